// What `mcshell client` says while it runs and when it ends, in both its modes (enrolled, --pxe).
import type { ClientEvent, ClientResult } from '../../engine/client/agent.js';
import { writeWarning } from './transport-args.js';

/** Says the agent's events: warnings and waits always (on stderr), the rest through `show` when given. */
export function eventWriter(show: ((line: string) => void) | undefined, onWaiting: (message: string) => void): (event: ClientEvent) => void {
  return (event) => {
    if (event.type === 'warning') writeWarning('client', `step ${event.index}: ${event.message}`);
    else if (event.type === 'waiting') onWaiting(event.message);
    else if (!show) return;
    else if (event.type === 'deployment') show(`deployment ${event.deploymentId}: ${event.taskSequence} (${event.steps} steps)`);
    else if (event.type === 'progress') show(`step ${event.index}: ${event.mode} ${event.percent}%`);
    else if (event.state !== 'Running') show(`step ${event.index} ${event.step.type}: ${event.state}${event.message ? ` — ${event.message}` : ''}`);
  };
}

/** The result on stdout: one JSON line, or a line per step. */
export function writeResult(result: ClientResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const lines = [`${result.ok ? 'done' : 'FAILED'}: ${result.message}`, ...result.steps.map((step) => `  ${step.index}. ${step.type} ${step.state}${step.message ? `: ${step.message}` : ''}`)];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
