// The command registry: names and aliases → lazy loaders, so start-up imports only the cmdlets a
// script uses. Add a cmdlet: create `cmdlets/<family>/<Verb-Noun>.ts` exporting
// `defineCmdlet({...})` and add one line here (a test checks this table against the files).
import type { CommandEntry } from '../src/runtime/session.js';

const entry = (name: string, aliases: string[], load: CommandEntry['load']): CommandEntry => ({ name, aliases, load });

export const commands: readonly CommandEntry[] = [
  entry('ConvertFrom-Csv', [], () => import('./core/ConvertFrom-Csv.js')),
  entry('ConvertFrom-Json', [], () => import('./core/ConvertFrom-Json.js')),
  entry('ConvertTo-Csv', [], () => import('./core/ConvertTo-Csv.js')),
  entry('ConvertTo-Json', [], () => import('./core/ConvertTo-Json.js')),
  entry('Export-Csv', ['epcsv'], () => import('./core/Export-Csv.js')),
  entry('ForEach-Object', ['foreach', '%'], () => import('./core/ForEach-Object.js')),
  entry('Format-List', ['fl'], () => import('./core/Format-List.js')),
  entry('Format-Table', ['ft'], () => import('./core/Format-Table.js')),
  entry('Get-Command', ['gcm'], () => import('./core/Get-Command.js')),
  entry('Get-Content', ['gc', 'cat', 'type'], () => import('./core/Get-Content.js')),
  entry('Get-Date', [], () => import('./core/Get-Date.js')),
  entry('Get-Error', [], () => import('./core/Get-Error.js')),
  entry('Get-Help', ['help', 'man'], () => import('./core/Get-Help.js')),
  entry('Get-Variable', ['gv'], () => import('./core/Get-Variable.js')),
  entry('Group-Object', ['group'], () => import('./core/Group-Object.js')),
  entry('Import-Csv', ['ipcsv'], () => import('./core/Import-Csv.js')),
  entry('Measure-Object', ['measure'], () => import('./core/Measure-Object.js')),
  entry('Out-File', [], () => import('./core/Out-File.js')),
  entry('Out-String', [], () => import('./core/Out-String.js')),
  entry('Select-Object', ['select'], () => import('./core/Select-Object.js')),
  entry('Set-Content', [], () => import('./core/Set-Content.js')),
  entry('Set-Variable', ['set', 'sv'], () => import('./core/Set-Variable.js')),
  entry('Sort-Object', ['sort'], () => import('./core/Sort-Object.js')),
  entry('Start-Sleep', ['sleep'], () => import('./core/Start-Sleep.js')),
  entry('Where-Object', ['where', '?'], () => import('./core/Where-Object.js')),
  entry('Write-Error', [], () => import('./core/Write-Error.js')),
  entry('Write-Host', [], () => import('./core/Write-Host.js')),
  entry('Write-Output', ['echo', 'write'], () => import('./core/Write-Output.js')),
  entry('Write-Warning', [], () => import('./core/Write-Warning.js')),
];
