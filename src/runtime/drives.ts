// The env: and variable: drives as variable names (`$env:PATH`, `${variable:x}`) and as paths
// (`Test-Path env:PATH`, `Get-Item variable:x`): about_Environment_Variables, about_Variable_Provider.

export type Drive = 'env' | 'variable';

/** `env:PATH` → the env drive and `PATH`; null for a name on no such drive. */
export function onDrive(name: string): { drive: Drive; name: string } | null {
  const match = /^(env|variable):(.+)$/i.exec(name);
  return match ? { drive: match[1]!.toLowerCase() as Drive, name: match[2]! } : null;
}

/** An environment variable's value, or null when it is not set. */
export function getEnvironment(name: string): string | null {
  return process.env[name] ?? null;
}

/** Sets an environment variable for this process and the programs it starts; $null or '' removes it (as PowerShell). */
export function setEnvironment(name: string, value: string | null): void {
  if (value === null || value === '') delete process.env[name];
  else process.env[name] = value;
}
