// The native GF(2^8) kernels (native/gf.c) against the field's multiplication, and the erasure code
// through each of them: the CPU picks one kernel, so the others run in child processes that ask
// for a plainer one (MCSHELL_GF_KERNEL), and once with the addon off (the WebAssembly path). With
// the addon, decodeBlock is gf.c's gfDecode: the erasure code's own tests run once more without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeBlock, encodeRepair, gfMul } from '../../src/engine/transport/fec.js';
import { nativeAddon } from '../../src/engine/transport/native.js';

const native = nativeAddon();
const CHILD = 'MCSHELL_GF_CHILD';

/** Every coefficient over rows of awkward lengths and offsets, against gfMul byte by byte; '' when all agree. */
function kernelMismatch(): string {
  let seed = 12345;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const memory = new Uint8Array(8192).map(random);
  for (const len of [1, 15, 16, 31, 33, 63, 64, 65, 200, 1456]) {
    const dst = Int32Array.of(3, 1500);
    const src = Int32Array.of(4000 + (len % 7), 5600); // apart from the destination rows
    for (let c = 0; c < 256; c++) {
      const matrix = Uint8Array.of(c, 255 - c, (c * 7) & 255, c ^ 0x5a);
      const expected = memory.slice();
      for (let d = 0; d < 2; d++) {
        for (let s = 0; s < 2; s++) for (let t = 0; t < len; t++) expected[dst[d]! + t]! ^= gfMul(matrix[d * 2 + s]!, memory[src[s]! + t]!);
      }
      native!.gfMatMulAdd(memory, dst, src, matrix, len);
      const at = memory.findIndex((v, i) => v !== expected[i]);
      if (at >= 0) return `${native!.gfKernel}: coefficient ${c}, length ${len}: byte ${at} is ${memory[at]}, expected ${expected[at]}`;
    }
  }
  return '';
}

/** Encodes repairs of a 1024-symbol block and decodes it after losing 60 symbols; '' when the copy matches. */
function codeMismatch(): string {
  const k = 1024;
  const size = 48;
  const source = new Uint8Array(k * size).map((_, i) => (i * 131 + (i >> 7)) & 255);
  const block = source.slice();
  const slotIds = new Uint16Array(k).map((_, i) => i);
  const symbol = new Uint8Array(size);
  for (let lost = 0; lost < 60; lost++) {
    const slot = lost * 17;
    encodeRepair(source, k, size, 5000 + lost, symbol);
    block.set(symbol, slot * size);
    slotIds[slot] = 5000 + lost;
  }
  const redundant = decodeBlock(block, k, size, slotIds);
  if (redundant >= 0) return `repair ${slotIds[redundant]} was redundant`;
  return block.every((v, i) => v === source[i]) ? '' : 'the decoded block differs from the source';
}

if (process.env[CHILD]) {
  process.stdout.write(JSON.stringify({ kernel: native?.gfKernel ?? 'webassembly', kernelMismatch: native ? kernelMismatch() : '', codeMismatch: codeMismatch() }));
} else {
  test('each GF(2^8) kernel agrees with the field for every coefficient, and the code decodes through it', { skip: !native && 'native addon not built' }, () => {
    const kernels = new Set<string>();
    for (const env of [{}, { MCSHELL_GF_KERNEL: 'avx2' }, { MCSHELL_GF_KERNEL: 'scalar' }, { MCSHELL_NATIVE: '0' }]) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, ...env, [CHILD]: '1' }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { kernel: string; kernelMismatch: string; codeMismatch: string };
      assert.equal(result.kernelMismatch, '', `${JSON.stringify(env)}: ${result.kernelMismatch}`);
      assert.equal(result.codeMismatch, '', `${result.kernel}: ${result.codeMismatch}`);
      kernels.add(result.kernel);
    }
    assert.ok(kernels.has('scalar') && kernels.has('webassembly'), [...kernels].join(', '));
  });

  test('the erasure code\'s tests also pass without the addon (decodeBlock in JS and WebAssembly)', { skip: !native && 'native addon not built: fec.test.ts runs that path already' }, () => {
    const fecTests = fileURLToPath(new URL('./fec.test.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, MCSHELL_NATIVE: '0' };
    delete env.NODE_TEST_CONTEXT; // else the nested runner reports to this one instead of to stdout
    const run = spawnSync(process.execPath, ['--test', fecTests], { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /# pass [1-9]/);
    assert.match(run.stdout, /# fail 0/);
  });
}
