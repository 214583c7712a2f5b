// Comment-based help of functions and scripts (about_Comment_Based_Help): a `<# … #>` block (or a
// run of `#` lines) with keywords `.SYNOPSIS`, `.DESCRIPTION`, `.PARAMETER name`, `.EXAMPLE`,
// `.NOTES` …, at the start of the body, at its end, or just before `function`. Get-Help shows it
// through the same declaration cmdlets use.
import type { FunctionDefinition, ParamBlock, SourceSpan } from '../language/ast.js';
import type { CmdletDeclaration, CmdletExample, ParameterDeclaration } from './cmdlet.js';
import { parameterType } from './paramblock.js';

export interface CommentHelp {
  synopsis?: string;
  description?: string;
  parameters: Map<string, string>;
  examples: string[];
  notes?: string;
}

/** The help in one comment's text (without its `<#`/`#>` or `#` markers), or null when it has no help keyword. */
export function parseCommentHelp(text: string): CommentHelp | null {
  const help: CommentHelp = { parameters: new Map(), examples: [] };
  let section: { keyword: string; argument: string; lines: string[] } | null = null;
  let found = false;
  const close = () => {
    if (!section) return;
    const body = dedent(section.lines);
    if (section.keyword === 'synopsis') help.synopsis = body;
    else if (section.keyword === 'description') help.description = body;
    else if (section.keyword === 'parameter') help.parameters.set(section.argument.toLowerCase(), body);
    else if (section.keyword === 'example') help.examples.push(body);
    else if (section.keyword === 'notes') help.notes = body;
  };
  for (const line of text.split(/\r?\n/)) {
    const keyword = /^\s*\.([A-Za-z]+)(?:\s+(\S.*?))?\s*$/.exec(line);
    if (keyword && KEYWORDS.has(keyword[1]!.toLowerCase())) {
      close();
      found = true;
      section = { keyword: keyword[1]!.toLowerCase(), argument: keyword[2] ?? '', lines: [] };
    } else section?.lines.push(line);
  }
  close();
  return found ? help : null;
}

const KEYWORDS = new Set(['synopsis', 'description', 'parameter', 'example', 'inputs', 'outputs', 'notes', 'link', 'component', 'role', 'functionality', 'forwardhelptargetname', 'forwardhelpcategory', 'remotehelprunspace', 'externalhelp']);

function dedent(lines: string[]): string {
  const kept = lines.map((l) => l.replace(/\s+$/, ''));
  while (kept.length && kept[0] === '') kept.shift();
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const indent = Math.min(...kept.filter((l) => l !== '').map((l) => /^\s*/.exec(l)![0].length));
  return kept.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
}

/** The comments a help block can be: `<# … #>` blocks and runs of `#` lines, with their text. */
function comments(text: string): { start: number; end: number; body: string }[] {
  const found: { start: number; end: number; body: string }[] = [];
  const pattern = /<#([\s\S]*?)#>|(?:^[ \t]*#.*(?:\r?\n|$))+/gm;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const body = m[1] ?? m[0].replace(/^[ \t]*#/gm, '');
    found.push({ start: m.index, end: m.index + m[0].length, body });
  }
  return found;
}

/** Help at the start or the end of a body, or in the comment that ends just before `before` (the function keyword). */
export function findCommentHelp(body: string, before?: string): CommentHelp | null {
  const inBody = comments(body);
  const first = inBody[0];
  if (first && body.slice(0, first.start).trim() === '') {
    const help = parseCommentHelp(first.body);
    if (help) return help;
  }
  const last = inBody[inBody.length - 1];
  if (last && body.slice(last.end).trim() === '') {
    const help = parseCommentHelp(last.body);
    if (help) return help;
  }
  if (before !== undefined) {
    const preceding = comments(before).pop();
    // At most one blank line between the help and the function keyword (about_Comment_Based_Help).
    if (preceding && /^\s*$/.test(before.slice(preceding.end)) && before.slice(preceding.end).split('\n').length <= 3) return parseCommentHelp(preceding.body);
  }
  return null;
}

/** A function's declaration for Get-Help and Get-Command: its param() block and its comment-based help. */
export function functionDeclaration(fn: FunctionDefinition, source: string | undefined): CmdletDeclaration {
  const before = source?.slice(0, fn.span.startOffset);
  const help = findCommentHelp(fn.body.text, before);
  return helpDeclaration(fn.name, fn.params ?? fn.body.params, help, fn.span);
}

/** A script file's declaration for Get-Help: its param() block and the help at its start or end. */
export function scriptDeclaration(name: string, params: ParamBlock | null, source: string, span: SourceSpan): CmdletDeclaration {
  return helpDeclaration(name, params, findCommentHelp(source), span);
}

function helpDeclaration(name: string, params: ParamBlock | null, help: CommentHelp | null, span: SourceSpan): CmdletDeclaration {
  const parameters: Record<string, ParameterDeclaration> = {};
  for (const [index, p] of (params?.params ?? []).entries()) {
    const attribute = p.attributes.find((a) => a.name.toLowerCase() === 'parameter');
    const mandatory = attribute?.named.some((n) => n.name.toLowerCase() === 'mandatory' && (n.value === null || (n.value.kind === 'Variable' && n.value.name.toLowerCase() === 'true')));
    const type = parameterType(p.type);
    parameters[p.name] = { type, description: help?.parameters.get(p.name.toLowerCase()) ?? '', ...(type !== 'switch' && { position: index }), ...(mandatory && { mandatory: true }) };
  }
  // An example's code runs to its first blank line; the text after it says what it does.
  const examples: CmdletExample[] = (help?.examples ?? []).map((text) => {
    const [code = '', ...remarks] = text.split(/\n\s*\n/);
    return { title: remarks.join(' ').replace(/\s+/g, ' ').trim() || code.split('\n')[0]!, code };
  });
  return {
    name,
    synopsis: help?.synopsis ?? `Defined at ${span.file}:${span.startLine}.`,
    ...(help?.description !== undefined && { description: help.description }),
    parameters,
    examples,
  };
}
