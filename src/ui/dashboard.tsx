// The live multicast session dashboard: per session its state, image, group/port, elapsed time,
// rate (now, average, cap), percent, ETA and wire overhead (and the DP that runs it, when several are followed), then a row per client with a progress
// bar, rate, loss and state. It renders the data it is given (see session-watch.ts for the engine
// side) and never grows taller than `rows`: beyond that, client rows are windowed around the
// selection and the rest summarised; with no session yet, it says it waits for one. Keys: ↑/↓ select a client, d disconnects it (after y), q leaves.
// A client row is drawn again only when its data changed: session-watch.ts hands over the same
// row object while nothing in it moved, and each row is one Text with few parts.
import { Box, Text, useInput } from 'ink';
import { memo, useReducer, useRef } from 'react';

export type ClientPhase = 'waiting' | 'receiving' | 'verifying' | 'done' | 'failed' | 'disconnected' | 'moved';

export interface ClientRow {
  id: string;
  name: string;
  address: string;
  state: ClientPhase;
  percent: number;
  /** Bits per second, from the client's recent progress; null until known. */
  rateBps: number | null;
  /** Percent of the session's datagrams the client lost (before repair), as it reports; null until known. */
  lossPercent: number | null;
  message: string;
}

export interface SessionPanel {
  id: string;
  /** The DP that runs it, when the dashboard follows several DPs; null otherwise. */
  distributionPoint: string | null;
  state: string;
  /** What a waiting session waits for and until when; null otherwise. */
  status: string | null;
  image: string;
  group: string;
  port: number;
  elapsedSeconds: number | null;
  rateBps: number | null;
  averageBps: number | null;
  capBps: number | null;
  percent: number;
  etaSeconds: number | null;
  /** Extra bytes on the wire (repairs, headers) relative to the image bytes sent, e.g. 0.04. */
  overhead: number | null;
  clients: ClientRow[];
}

export interface DashboardProps {
  sessions: readonly SessionPanel[];
  rows: number;
  columns: number;
  /** False for the final frame kept in the scrollback: no keys, no footer. */
  interactive?: boolean;
  /** Colour on: bars are cyan on grey, else block glyphs on light shade. */
  color?: boolean;
  onLeave?(): void;
  onDisconnect?(sessionId: string, clientId: string): void;
}

export function formatRate(bps: number | null): string {
  if (bps === null) return '—';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbit/s`;
  return `${(bps / 1e3).toFixed(0)} kbit/s`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` cells with eighth-cell precision; `empty` fills the rest. */
export function progressBar(percent: number, width: number, empty = '░'): string {
  const eighths = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = EIGHTHS[eighths % 8]!;
  return ('█'.repeat(full) + partial).padEnd(width, empty);
}

/** Loss as a column: `0.4% loss`, or a dash until the client has said. */
export function formatLoss(percent: number | null): string {
  return percent === null ? '—' : `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}% loss`;
}

const STATE_COLOR: Record<string, string | undefined> = {
  waiting: 'yellow',
  receiving: 'cyan',
  verifying: 'blue',
  done: 'green',
  failed: 'red',
  disconnected: 'magenta',
  moved: 'magenta',
  Waiting: 'yellow',
  Running: 'cyan',
  Completed: 'green',
  Failed: 'red',
  Stopped: 'magenta',
};

/** A progress bar as one string: cyan blocks on a grey track with colour, block glyphs on light shade without. */
function Bar({ percent, width, color }: { percent: number; width: number; color: boolean }) {
  return color ? (
    <Text color="cyan" backgroundColor="gray">
      {progressBar(percent, width, ' ')}
    </Text>
  ) : (
    <>{progressBar(percent, width)}</>
  );
}

interface ClientLineProps {
  client: ClientRow;
  selected: boolean;
  nameWidth: number;
  addressWidth: number;
  barWidth: number;
  color: boolean;
}

/** One client: only re-rendered when its row object or the layout changes. */
const ClientLine = memo(function ClientLine({ client, selected, nameWidth, addressWidth, barWidth, color }: ClientLineProps) {
  const rate = formatRate(client.state === 'receiving' ? client.rateBps : null).padStart(12);
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {`${selected ? '▸ ' : '  '}${fit(client.name, nameWidth)} `}
      <Text dimColor>{fit(client.address, addressWidth)}</Text>{' '}
      <Bar percent={client.percent} width={barWidth} color={color} />
      {` ${`${Math.round(client.percent)}%`.padStart(4)} ${rate} ${formatLoss(client.lossPercent).padStart(LOSS_WIDTH)} `}
      <Text color={STATE_COLOR[client.state]}>{client.state}</Text>
      {client.message && client.state !== 'done' ? <Text dimColor>{` ${afterState(client.message, client.state)}`}</Text> : null}
    </Text>
  );
});

/** The message after the state word, without saying the state twice ("disconnected disconnected by …"). */
function afterState(message: string, state: string): string {
  return message.toLowerCase().startsWith(`${state} `) ? message.slice(state.length + 1) : message;
}

const LOSS_WIDTH = 10;
const KEY_HELP = <Text dimColor>↑/↓ select a client · d disconnect it · q leave (the sessions go on)</Text>;

const fit = (text: string, width: number) => (text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width));

interface Layout {
  /** Sessions shown, each with the slice of its clients shown and a summary of the rest. */
  panels: { panel: SessionPanel; shown: ClientRow[]; hidden: ClientRow[] }[];
  hiddenSessions: number;
}

/** Fits the sessions into `rows` lines: two header lines each, then client rows shared evenly. */
function layout(sessions: readonly SessionPanel[], rows: number, selected: string | null): Layout {
  const fitting = Math.max(1, Math.min(sessions.length, Math.floor(rows / 3)));
  const shownSessions = sessions.slice(0, fitting);
  const hiddenSessions = sessions.length - fitting;
  let budget = rows - 2 * fitting - (hiddenSessions > 0 ? 1 : 0);
  const panels = shownSessions.map((panel, i) => {
    const share = Math.max(0, Math.floor(budget / (shownSessions.length - i)));
    let shown = panel.clients;
    let hidden: ClientRow[] = [];
    if (panel.clients.length > share) {
      // One row goes to the summary; the window follows the selected client.
      const size = Math.max(0, share - 1);
      const at = panel.clients.findIndex((c) => `${panel.id}/${c.id}` === selected);
      const start = Math.max(0, Math.min(at - Math.floor(size / 2), panel.clients.length - size));
      shown = panel.clients.slice(start, start + size);
      hidden = [...panel.clients.slice(0, start), ...panel.clients.slice(start + size)];
    }
    budget -= shown.length + (hidden.length > 0 ? 1 : 0);
    return { panel, shown, hidden };
  });
  return { panels, hiddenSessions };
}

function summary(clients: readonly ClientRow[]): string {
  const counts = new Map<string, number>();
  for (const c of clients) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return `… ${clients.length} more: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`;
}

export function SessionDashboard({ sessions, rows, columns, interactive = true, color = false, onLeave, onDisconnect }: DashboardProps) {
  const keys = sessions.flatMap((s) => s.clients.map((c) => ({ key: `${s.id}/${c.id}`, session: s, client: c })));
  // Keys can come faster than React renders (a held arrow key, tmux send-keys): each one works on
  // the latest selection and client list, kept in a ref; a counter re-renders.
  const ui = useRef<{ keys: typeof keys; selected: string | null; confirming: (typeof keys)[number] | null }>({ keys, selected: null, confirming: null });
  ui.current.keys = keys;
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const { selected, confirming } = ui.current;

  useInput(
    (input, key) => {
      const state = ui.current;
      if (state.confirming) {
        if (/^y$/i.test(input)) onDisconnect?.(state.confirming.session.id, state.confirming.client.id);
        state.confirming = null;
      } else if (input === 'q' || key.escape) return onLeave?.();
      else if (key.upArrow || key.downArrow) {
        const at = state.keys.findIndex((k) => k.key === state.selected);
        const next = key.upArrow ? (at <= 0 ? state.keys.length - 1 : at - 1) : (at + 1) % state.keys.length;
        state.selected = state.keys[next]?.key ?? null;
      } else if (input === 'd') state.confirming = state.keys.find((k) => k.key === state.selected) ?? null;
      else return;
      rerender();
    },
    { isActive: interactive },
  );

  const footerRows = interactive ? 1 : 0;
  const { panels, hiddenSessions } = layout(sessions, Math.max(3, rows - footerRows), selected);
  const nameWidth = Math.min(16, Math.max(4, ...keys.map((k) => k.client.name.length)));
  const addressWidth = Math.min(15, Math.max(7, ...keys.map((k) => k.client.address.length)));
  // marker (2), name, address, bar, percent (4), rate (12), loss, state (12 with its message's start), separators (5)
  const barWidth = Math.max(8, Math.min(24, columns - 2 - nameWidth - addressWidth - 4 - 12 - LOSS_WIDTH - 12 - 5));
  const headerBar = Math.max(8, Math.min(30, columns - 70));

  return (
    <Box flexDirection="column">
      {sessions.length === 0 ? <Text>waiting for a multicast session…</Text> : null}
      {panels.map(({ panel, shown, hidden }) => (
        <Box key={panel.id} flexDirection="column">
          <Text wrap="truncate-end">
            <Text bold>{panel.id}</Text>
            {panel.distributionPoint !== null ? <Text color="blue">{` on ${panel.distributionPoint}`}</Text> : null} <Text color={STATE_COLOR[panel.state]}>{panel.state}</Text>
            {panel.status ? <Text dimColor>{` (${panel.status})`}</Text> : null} {panel.image}{' '}
            <Text dimColor>
              {panel.group}:{panel.port}
            </Text>
            {'  '}elapsed {formatDuration(panel.elapsedSeconds)}
            {panel.overhead !== null ? `  overhead ${(panel.overhead * 100).toFixed(1)}%` : ''}
          </Text>
          <Text wrap="truncate-end">
            {'  '}
            <Bar percent={panel.percent} width={headerBar} color={color} /> {panel.percent.toFixed(1).padStart(5)}% {formatRate(panel.rateBps)} now, {formatRate(panel.averageBps)} avg
            {panel.capBps !== null ? ` / cap ${formatRate(panel.capBps)}` : ''}
            {'  '}ETA {formatDuration(panel.etaSeconds)}
          </Text>
          {shown.map((client) => (
            <ClientLine
              key={client.id}
              client={client}
              selected={interactive && `${panel.id}/${client.id}` === selected}
              nameWidth={nameWidth}
              addressWidth={addressWidth}
              barWidth={barWidth}
              color={color}
            />
          ))}
          {hidden.length > 0 ? <Text dimColor>{`  ${summary(hidden)}`}</Text> : null}
        </Box>
      ))}
      {hiddenSessions > 0 ? <Text dimColor>… {hiddenSessions} more sessions</Text> : null}
      {interactive ? (
        confirming ? (
          <Text>
            Disconnect {confirming.client.name} from {confirming.session.id}? <Text bold>[y/N]</Text>
          </Text>
        ) : (
          KEY_HELP
        )
      ) : null}
    </Box>
  );
}
