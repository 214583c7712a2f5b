// Erasure-code throughput: `npm run build && node dist/scripts/bench-fec.js [symbolSize]`.
// Encode = repair bytes produced per second; decode = bytes of lost source recovered per second,
// for several block sizes k and shares of lost symbols. The transport codes only the lost share,
// so these rates divided by the loss rate bound the image throughput the code can sustain.
import { decodeBlock, encodeRepair } from '../src/engine/transport/fec.js';

const symbolSize = Number(process.argv[2] ?? 1456);

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function benchEncode(k: number): number {
  const block = new Uint8Array(k * symbolSize).map((_, i) => (i * 31) & 255);
  const out = new Uint8Array(symbolSize);
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let n = 0; seconds(start) < 0.5; n++) {
    encodeRepair(block, k, symbolSize, Math.max(256, k) + (n % 1000), out, 0, block); // the block stays loaded, as in the sender
    bytes += symbolSize;
  }
  return bytes / seconds(start);
}

function benchDecode(k: number, lost: number): number {
  const source = new Uint8Array(k * symbolSize).map((_, i) => (i * 17) & 255);
  const repairs = Array.from({ length: lost }, (_, r) => {
    const sym = new Uint8Array(symbolSize);
    encodeRepair(source, k, symbolSize, Math.max(256, k) + r, sym);
    return sym;
  });
  const block = new Uint8Array(k * symbolSize);
  const slotIds = new Uint16Array(k);
  let bytes = 0;
  const start = process.hrtime.bigint();
  while (seconds(start) < 0.5) {
    block.set(source);
    for (let s = 0; s < k; s++) slotIds[s] = s;
    for (let r = 0; r < lost; r++) {
      // the first `lost` sources are the lost ones; their slots take the repair symbols
      block.set(repairs[r]!, r * symbolSize);
      slotIds[r] = Math.max(256, k) + r;
    }
    if (decodeBlock(block, k, symbolSize, slotIds) >= 0) throw new Error(`repairs from ${Math.max(256, k)} of a ${k}-symbol block are dependent: pick other ids`);
    bytes += lost * symbolSize;
  }
  return bytes / seconds(start);
}

const mbit = (bytesPerSecond: number): string => ((bytesPerSecond * 8) / 1e6).toFixed(0).padStart(6);
console.log(`symbol size ${symbolSize} bytes; Mbit/s of repair produced (encode) / of lost data recovered (decode)`);
console.log('    k   encode   decode@1%  decode@5%  decode@20%');
for (const k of [32, 128, 255, 512, 1024, 2048]) {
  const d = [0.01, 0.05, 0.2].map((share) => mbit(benchDecode(k, Math.max(1, Math.round(k * share)))));
  console.log(`${String(k).padStart(5)}  ${mbit(benchEncode(k))}     ${d[0]}     ${d[1]}     ${d[2]}`);
}
