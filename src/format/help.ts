// Help text generated from a cmdlet declaration (Get-Help, and the docs).
import { COMMON_PARAMETERS, SHOULD_PROCESS_PARAMETERS } from '../runtime/binder.js';
import type { CmdletDeclaration, ParameterDeclaration } from '../runtime/cmdlet.js';
import { toStr } from '../runtime/values.js';

function typeText(p: ParameterDeclaration): string {
  if (p.type === 'enum' || p.type === 'enum[]') return `${(p.values ?? []).join(' | ')}${p.type === 'enum[]' ? '[]' : ''}`;
  return p.type;
}

function parameterSyntax(name: string, p: ParameterDeclaration): string {
  if (p.type === 'switch') return `[-${name}]`;
  const value = `<${typeText(p)}>`;
  const named = p.position !== undefined ? `[-${name}] ${value}` : `-${name} ${value}`;
  return p.mandatory ? named : `[${named}]`;
}

function setNames(decl: CmdletDeclaration): (string | null)[] {
  const sets = new Set<string>();
  for (const p of Object.values(decl.parameters)) for (const s of p.sets ?? []) sets.add(s);
  return sets.size ? [...sets] : [null];
}

/** One syntax line per parameter set: positional parameters first, in position order. */
export function syntaxLines(decl: CmdletDeclaration): string[] {
  return setNames(decl).map((set) => {
    const params = Object.entries(decl.parameters).filter(([, p]) => !set || !p.sets || p.sets.includes(set));
    params.sort(([, a], [, b]) => (a.position ?? 1000) - (b.position ?? 1000) || Number(b.mandatory ?? false) - Number(a.mandatory ?? false));
    const parts = params.map(([n, p]) => parameterSyntax(n, p));
    if (decl.impact) parts.push('[-WhatIf]', '[-Confirm]');
    return `${decl.name} ${[...parts, '[<CommonParameters>]'].join(' ')}`;
  });
}

function parameterDetails(name: string, p: ParameterDeclaration): string[] {
  const lines = [`-${name} <${typeText(p)}>`, `    ${p.description}`];
  const facts: [string, string][] = [
    ['Required?', p.mandatory ? 'true' : 'false'],
    ['Position?', p.position !== undefined ? String(p.position) : 'named'],
    ['Accept pipeline input?', p.pipeline ? `true (${p.pipeline === 'value' ? 'ByValue' : p.pipeline === 'property' ? 'ByPropertyName' : 'ByValue, ByPropertyName'})` : 'false'],
  ];
  if (p.aliases?.length) facts.push(['Aliases', p.aliases.join(', ')]);
  if (p.sets?.length) facts.push(['Parameter sets', p.sets.join(', ')]);
  if (p.default !== undefined) facts.push(['Default value', toStr(p.default)]);
  if (p.complete === 'path') facts.push(['Tab completes', 'file paths']);
  const v = p.validate;
  if (v?.set) facts.push(['Allowed values', v.set.join(', ')]);
  if (v?.range) facts.push(['Allowed range', `${v.range[0]} to ${v.range[1]}`]);
  if (v?.pattern) facts.push(['Pattern', v.pattern]);
  if (v?.notEmpty) facts.push(['Not empty', 'true']);
  lines.push(...facts.map(([k, val]) => `    ${k.padEnd(24)}${val}`), '');
  return lines;
}

export interface HelpOptions {
  full?: boolean;
  examplesOnly?: boolean;
  parameter?: string;
}

export function renderHelp(decl: CmdletDeclaration, options: HelpOptions = {}): string {
  const out: string[] = [];
  const blocks = decl.examples.map((e, i) => [`    --- Example ${i + 1}: ${e.title} ---`, '', ...e.code.split('\n').map((l) => `    PS> ${l}`), '']);
  const examples = blocks.flat();
  if (options.examplesOnly) return [`NAME`, `    ${decl.name}`, '', 'SYNOPSIS', `    ${decl.synopsis}`, '', 'EXAMPLES', ...examples].join('\n');
  if (options.parameter) {
    const wanted = options.parameter.toLowerCase();
    const found = Object.entries(decl.parameters).filter(([n]) => n.toLowerCase().startsWith(wanted));
    return found.flatMap(([n, p]) => parameterDetails(n, p)).join('\n');
  }
  out.push('NAME', `    ${decl.name}`, '', 'SYNOPSIS', `    ${decl.synopsis}`, '', 'SYNTAX', ...syntaxLines(decl).map((l) => `    ${l}`), '');
  if (decl.description) out.push('DESCRIPTION', ...decl.description.split('\n').map((l) => `    ${l}`), '');
  if (options.full) {
    out.push('PARAMETERS');
    for (const [n, p] of Object.entries(decl.parameters)) out.push(...parameterDetails(n, p).map((l) => `    ${l}`));
    const common = Object.keys(COMMON_PARAMETERS).concat(decl.impact ? Object.keys(SHOULD_PROCESS_PARAMETERS) : []);
    out.push(`    <CommonParameters>`, `        ${common.map((c) => `-${c}`).join(', ')}.`, '');
    if (decl.impact) out.push('IMPACT', `    ${decl.impact}${decl.impact === 'high' ? ' (asks for confirmation unless -Confirm:$false)' : ''}`, '');
  } else {
    const parameters = Object.entries(decl.parameters);
    const width = Math.max(0, ...parameters.map(([n]) => n.length));
    out.push('PARAMETERS', ...parameters.map(([n, p]) => `    -${n.padEnd(width)}  ${p.description}`), '');
  }
  if (decl.outputType) out.push('OUTPUTS', `    ${decl.outputType.name}${decl.outputType.description ? `: ${decl.outputType.description}` : ''}`, '');
  if (decl.aliases?.length) out.push('ALIASES', `    ${decl.aliases.join(', ')}`, '');
  out.push('EXAMPLES', ...(options.full ? examples : blocks.slice(0, 2).flat()));
  if (!options.full) out.push(`REMARKS`, `    For details: Get-Help ${decl.name} -Full. Examples only: Get-Help ${decl.name} -Examples.`);
  return out.join('\n').trimEnd();
}
