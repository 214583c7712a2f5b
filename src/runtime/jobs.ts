// Background jobs (Start-Job, about_Jobs): a job runs a script block in this process, beside the
// pipeline that started it and after it, in a session of its own (PowerShell's ThreadJob), and
// keeps what the block writes — output, errors, warnings, verbose, debug, information, progress —
// until Receive-Job takes it. The session's JobTable numbers and finds its jobs.
import type { ErrorRecord } from './errors.js';
import type { DotNetException } from './exceptions.js';
import type { ProgressRecord } from './session.js';
import { InformationRecord, StreamRecord } from './streams.js';
import { withTypeName } from './values.js';

export type JobState = 'NotStarted' | 'Running' | 'Completed' | 'Failed' | 'Stopped';

/** The type name of job objects (their view, `Get-Member`). */
export const JOB_TYPE_NAME = 'ThreadJob';

/** $job.JobStateInfo: the state, and for a Failed job the exception that ended it (`.Reason.Message`). */
export class JobStateInfo {
  constructor(
    readonly State: JobState,
    readonly Reason: DotNetException | null = null,
  ) {}
  toString(): string {
    return this.State;
  }
}

/** What a job has written and Receive-Job has not taken yet, stream by stream. */
export interface JobResults {
  output: unknown[];
  errors: ErrorRecord[];
  warnings: StreamRecord[];
  verbose: StreamRecord[];
  debug: StreamRecord[];
  information: InformationRecord[];
}

export class Job {
  readonly PSJobTypeName = JOB_TYPE_NAME;
  readonly Location = 'localhost';
  State: JobState = 'NotStarted';
  JobStateInfo = new JobStateInfo('NotStarted');
  HasMoreData = false;
  PSBeginTime: Date | null = null;
  PSEndTime: Date | null = null;
  /** The streams as PowerShell's job exposes them ($job.Output, $job.Error …): what is not received yet. */
  Output: unknown[] = [];
  Error: ErrorRecord[] = [];
  Warning: StreamRecord[] = [];
  Verbose: StreamRecord[] = [];
  Debug: StreamRecord[] = [];
  Information: InformationRecord[] = [];
  Progress: ProgressRecord[] = [];
  /** PowerShell's jobs hold their work in child jobs, and scripts read `$job.ChildJobs[0].JobStateInfo`: here the job is its own one child. */
  readonly ChildJobs: Job[] = [this];
  readonly #controller = new AbortController();
  readonly #finished: Promise<void>;
  #finish!: () => void;
  /** Woken when the job writes something or finishes (Receive-Job -Wait). */
  #changed: (() => void)[] = [];

  constructor(
    readonly Id: number,
    readonly Name: string,
    readonly Command: string,
  ) {
    withTypeName(this, JOB_TYPE_NAME);
    this.#finished = new Promise((done) => (this.#finish = done));
  }

  /** Aborted by Stop-Job (and when the shell exits): the job's code sees it as Ctrl+C. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get isFinished(): boolean {
    return this.State === 'Completed' || this.State === 'Failed' || this.State === 'Stopped';
  }

  /** Resolves when the job has finished (at once for a finished job). */
  finished(): Promise<void> {
    return this.#finished;
  }

  /** Resolves at the job's next write or when it finishes, or when `signal` fires. */
  changed(signal: AbortSignal): Promise<void> {
    if (this.isFinished || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.#changed.push(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  started(): void {
    this.PSBeginTime = new Date();
    this.setState('Running');
  }

  /** The job's code has ended: Completed, Failed (with the error that ended it) or Stopped. */
  ended(state: 'Completed' | 'Failed' | 'Stopped', reason: ErrorRecord | null = null): void {
    if (reason) this.Error.push(reason);
    this.PSEndTime = new Date();
    this.setState(state, reason);
    this.wrote();
    this.#finish();
  }

  /** Stop-Job: asks the job's code to stop and waits until it has. */
  async stop(): Promise<void> {
    if (this.isFinished) return;
    if (this.State === 'NotStarted') return this.ended('Stopped');
    this.#controller.abort();
    await this.#finished;
  }

  /** Called after anything is added to a stream. */
  wrote(): void {
    this.HasMoreData = [this.Output, this.Error, this.Warning, this.Verbose, this.Debug, this.Information].some((s) => s.length > 0);
    const waiting = this.#changed;
    this.#changed = [];
    for (const wake of waiting) wake();
  }

  /** What the job has written so far; without `keep` it is taken (HasMoreData turns false). */
  receive(keep: boolean): JobResults {
    const results = { output: [...this.Output], errors: [...this.Error], warnings: [...this.Warning], verbose: [...this.Verbose], debug: [...this.Debug], information: [...this.Information] };
    if (!keep) {
      for (const stream of [this.Output, this.Error, this.Warning, this.Verbose, this.Debug, this.Information, this.Progress]) stream.length = 0;
      this.HasMoreData = false;
    }
    return results;
  }

  private setState(state: JobState, reason: ErrorRecord | null = null): void {
    this.State = state;
    this.JobStateInfo = new JobStateInfo(state, reason?.exception ?? null);
  }

  toString(): string {
    return `${this.Id}: ${this.Name} (${this.State})`;
  }

  toJSON(): Record<string, unknown> {
    const { Id, Name, PSJobTypeName, State, HasMoreData, Location, Command, PSBeginTime, PSEndTime } = this;
    return { Id, Name, PSJobTypeName, State, HasMoreData, Location, Command, PSBeginTime, PSEndTime, Reason: this.JobStateInfo.Reason?.Message ?? null };
  }
}

/** A session's jobs, by Id (1, 2, … in the order they started), until Remove-Job removes them. */
export class JobTable {
  readonly #jobs = new Map<number, Job>();
  #nextId = 1;

  /** A new job, NotStarted; its default name is `Job<Id>`. */
  create(command: string, name?: string): Job {
    const id = this.#nextId++;
    const job = new Job(id, name ?? `Job${id}`, command);
    this.#jobs.set(id, job);
    return job;
  }

  list(): Job[] {
    return [...this.#jobs.values()];
  }

  byId(id: number): Job | undefined {
    return this.#jobs.get(id);
  }

  remove(job: Job): void {
    this.#jobs.delete(job.Id);
  }

  /** Stops every running job and waits for them (the shell exiting: PowerShell's jobs end with its process). */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((job) => job.stop()));
  }
}
