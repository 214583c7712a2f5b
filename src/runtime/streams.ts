// The other output streams — error (2), warning (3), verbose (4), debug (5), information (6) —
// and their redirection (about_Redirection, about_Output_Streams): `4>&1` puts a stream's records
// into the output, `2>$null` drops them, `3> file` writes their text to a file.
import type { ErrorRecord } from './errors.js';

export type StreamName = 'error' | 'warning' | 'verbose' | 'debug' | 'information';

/** Where the redirected streams of the running command go (absent: to the host, as usual). */
export type StreamRoutes = Partial<Record<StreamName, (record: ErrorRecord | StreamRecord | InformationRecord) => void>>;

const STREAMS: Record<string, readonly StreamName[]> = {
  '2': ['error'],
  '3': ['warning'],
  '4': ['verbose'],
  '5': ['debug'],
  '6': ['information'],
  '*': ['error', 'warning', 'verbose', 'debug', 'information'],
};

/** The streams a redirection's number (`2`…`6`, `*`) names. */
export function streamsOf(stream: string): readonly StreamName[] {
  return STREAMS[stream] ?? [];
}

/** A warning, verbose or debug message (WarningRecord, VerboseRecord, DebugRecord): `.Message`, shown as it. */
export class StreamRecord {
  constructor(readonly Message: string) {}
  toString(): string {
    return this.Message;
  }
}

/** Write-Information's and Write-Host's record (InformationRecord): `.MessageData`, shown as its text. */
export class InformationRecord {
  constructor(
    readonly MessageData: unknown,
    private readonly text: string,
  ) {}
  toString(): string {
    return this.text;
  }
  toJSON(): { MessageData: unknown } {
    return { MessageData: this.MessageData };
  }
}
