// What the job cmdlets (cmdlets/jobs/) share: the job view, and choosing jobs by object, Id or name.
import type { CmdletContext, OutputType, ParameterDeclaration } from '../src/runtime/cmdlet.js';
import { JOB_TYPE_NAME, Job } from '../src/runtime/jobs.js';
import { isWildcard, matchesWildcard } from '../src/runtime/wildcard.js';

export const JOB_OUTPUT: OutputType = {
  name: JOB_TYPE_NAME,
  description: 'A background job: Id, Name, State (NotStarted, Running, Completed, Failed, Stopped), HasMoreData, Command, PSBeginTime, PSEndTime, JobStateInfo (Reason: the error that failed it).',
  view: { properties: ['Id', 'Name', 'PSJobTypeName', 'State', 'HasMoreData', 'Location', 'Command'], layout: 'table' },
};

/** The parameters that name jobs: job objects (from the pipeline), Ids or names. */
export const JOB_SELECTORS = {
  Job: { type: 'object[]', position: 0, pipeline: 'value', description: 'Jobs: job objects, or their Ids or names (wildcards allowed).' },
  Id: { type: 'int[]', description: 'Jobs by Id.' },
  Name: { type: 'string[]', description: 'Jobs by name (wildcards allowed).' },
} as const satisfies Record<string, ParameterDeclaration>;

/**
 * The session's jobs the selectors name, each once, in Id order; null when none is given. An Id or
 * a plain name that matches no job is an error (PowerShell's JobWithSpecified…NotFound).
 */
export function selectJobs(params: { Job?: unknown[]; Id?: number[]; Name?: string[] }, ctx: CmdletContext): Job[] | null {
  if (params.Job === undefined && params.Id === undefined && params.Name === undefined) return null;
  const chosen = new Set<Job>();
  const byId = (id: number) => {
    const job = ctx.jobs.byId(id);
    if (job) chosen.add(job);
    else ctx.writeError({ id: 'JobWithSpecifiedIdNotFound', category: 'ObjectNotFound', target: id, message: `The command cannot find a job with the job ID ${id}. Verify the value of the Id parameter and then try the command again.` });
  };
  const byName = (name: string) => {
    const found = ctx.jobs.list().filter((job) => matchesWildcard(job.Name, name));
    for (const job of found) chosen.add(job);
    if (found.length === 0 && !isWildcard(name)) {
      ctx.writeError({ id: 'JobWithSpecifiedNameNotFound', category: 'ObjectNotFound', target: name, message: `The command cannot find the job because the job name ${name} was not found. Verify the value of the Name parameter, and then try the command again.` });
    }
  };
  for (const item of params.Job ?? []) {
    if (item instanceof Job) chosen.add(item);
    else if (typeof item === 'number') byId(item);
    else byName(String(item));
  }
  for (const id of params.Id ?? []) byId(id);
  for (const name of params.Name ?? []) byName(name);
  return [...chosen].sort((a, b) => a.Id - b.Id);
}
