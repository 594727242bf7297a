/**
 * Load generator: fills a room with synthetic participants, each an ffmpeg
 * looping its own test clip into the server as RTP (no browsers involved).
 *
 *   npm run -s participants -- --room R --count N [--server http://127.0.0.1:3000]
 *       [--email admin@example.com --password admin-password] [--clip file.webm]
 *
 * Needs an admin account (default: the embedded setup's demo admin). Prints
 * one JSON line per participant started, then one line of ffmpeg CPU use
 * every 10 s; on SIGINT/SIGTERM kills every ffmpeg and removes every
 * participant before exiting. Progress and errors go to stderr.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { roomIdSchema } from '#protocol/signalling';
import { CpuMeter, readProcStat, type ProcStat } from './lib/procStats';
import { AdminClient, SyntheticLoad } from './lib/syntheticParticipants';

const usage =
  'usage: npm run -s participants -- --room <roomId> --count <n> [--server <url>] ' +
  '[--email <admin email> --password <password>] [--clip <webm with VP8 + Opus>]';

const CPU_REPORT_INTERVAL_MS = 10_000;

const argsSchema = z.object({
  room: roomIdSchema,
  count: z.coerce.number().int().min(1).max(100),
  server: z.url().default('http://127.0.0.1:3000'),
  email: z.string().default('admin@example.com'),
  password: z.string().default('admin-password'),
  clip: z.string().optional(),
});

function parseCommand(argv: string[]): z.output<typeof argsSchema> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      room: { type: 'string' },
      count: { type: 'string' },
      server: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      clip: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new Error(usage);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new Error(`${problems.join('; ')}\n${usage}`);
  }
  return parsed.data;
}

const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  let args;
  try {
    args = parseCommand(process.argv.slice(2));
  } catch (error) {
    log((error as Error).message);
    process.exit(2);
  }
  const client = await AdminClient.login(args.server.replace(/\/$/, ''), args.email, args.password);
  const load = new SyntheticLoad({
    client,
    roomId: args.room,
    count: args.count,
    ...(args.clip ? { clip: args.clip } : {}),
    log,
    onSenderExit: (p, code) =>
      print({
        event: 'sender-exited',
        peerId: p.participant.peerId,
        displayName: p.participant.displayName,
        code,
        stderr: p.stderrTail(),
      }),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping senders and removing participants`);
    // stop() waits for a start-up step under way, so nothing it creates is left behind.
    void load.stop().finally(() => {
      print({ event: 'stopped' });
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  await load.start();
  if (stopping) return;
  for (const p of load.participants) {
    print({
      event: 'started',
      roomId: p.roomId,
      peerId: p.participant.peerId,
      displayName: p.participant.displayName,
      pid: p.sender.pid,
      clip: p.clip,
      video: p.participant.video,
      audio: p.participant.audio,
    });
  }

  const meter = new CpuMeter();
  const senders = () => load.participants;
  const readSenders = async () =>
    (await Promise.all(senders().map((p) => readProcStat(p.sender.pid ?? -1)))).filter(
      (s): s is ProcStat => s !== null,
    );
  meter.start(await readSenders());
  setInterval(() => {
    if (stopping) return;
    void readSenders().then((stats) => {
      meter.update(stats);
      const seconds = meter.wallSeconds;
      const participants = senders().map((p) => ({
        displayName: p.participant.displayName,
        pid: p.sender.pid,
        cpuPercent: round((meter.cpuSecondsOf(p.sender.pid ?? -1) / seconds) * 100),
      }));
      const total = participants.reduce((sum, p) => sum + p.cpuPercent, 0);
      print({
        event: 'cpu',
        seconds: Math.round(seconds),
        avgCpuPercentPerParticipant: round(total / Math.max(1, participants.length)),
        participants,
      });
    });
  }, CPU_REPORT_INTERVAL_MS);
}

const round = (n: number) => Math.round(n * 100) / 100;

main().catch((error: unknown) => {
  log(`participants: ${(error as Error).message}`);
  process.exit(1);
});
