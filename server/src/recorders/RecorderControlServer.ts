/**
 * The control channel's server end: a Socket.IO namespace on the
 * signalling server where each recorder worker connects once per bot,
 * with that bot's recorder token. The token names the bot; a bot this
 * server no longer runs (stopped, replaced) is refused, so a stale worker
 * cannot report for, or keep alive, a bot that was given up.
 */
import type { Namespace } from 'socket.io';
import type { Logger } from '../logger';
import type { TokenService } from '../auth/tokens';
import { controlHandshakeSchema } from '#protocol/recorderControl';
import type { QueuedBotLauncher } from './QueuedBotLauncher';
import type { BotWorker, ControlSocket, RemoteBot } from './RemoteBot';

interface ControlSocketData {
  bot: RemoteBot;
  worker: BotWorker;
}

export function serveRecorderControl({
  namespace,
  tokens,
  launcher,
  logger,
}: {
  namespace: Namespace;
  tokens: TokenService;
  launcher: QueuedBotLauncher;
  logger: Logger;
}): void {
  const log = logger.child({ module: 'recorder-control' });
  namespace.use((socket, next) => {
    const handshake = controlHandshakeSchema.safeParse(socket.handshake.auth);
    if (!handshake.success) {
      next(new Error('bad_request: token, workerId, host and pid are required'));
      return;
    }
    const { token, ...worker } = handshake.data;
    let botId: string;
    try {
      const principal = tokens.verify(token);
      if (principal.kind !== 'recorder') throw new Error('not a recorder token');
      botId = principal.tokenId;
    } catch {
      next(new Error('unauthorized: invalid recorder token'));
      return;
    }
    const bot = launcher.botFor(botId);
    if (!bot || bot.closed) {
      // The worker closes its bot on this answer: it is not this server's anymore.
      next(new Error('gone: this server no longer runs that bot'));
      return;
    }
    (socket.data as ControlSocketData) = { bot, worker };
    next();
  });
  namespace.on('connection', (socket) => {
    const { bot, worker } = socket.data as ControlSocketData;
    log.debug({ botId: bot.botId, worker }, 'control connection');
    bot.attach(socket as ControlSocket, worker);
  });
}
