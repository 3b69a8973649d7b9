import { LoggerService } from '@nestjs/common';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** Nest's own boot narration: useful when debugging, noise otherwise. */
const FRAMEWORK_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);
export type LogLevel = keyof typeof LEVELS;

/** One line per message: `2026-03-01T09:00:00.000Z INFO  [api] listening on …`. */
export class LineLogger implements LoggerService {
  constructor(
    private readonly component: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  child(component: string): LineLogger {
    return new LineLogger(component, this.level, this.write);
  }

  debug(message: unknown, context?: string): void {
    this.emit('debug', message, context);
  }
  info(message: unknown, context?: string): void {
    this.emit('info', message, context);
  }
  log(message: unknown, context?: string): void {
    this.emit(context && FRAMEWORK_CHATTER.has(context) ? 'debug' : 'info', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.emit('warn', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string): void {
    this.emit('error', message, context ?? traceOrContext);
  }
  verbose(message: unknown, context?: string): void {
    this.emit('debug', message, context);
  }

  private emit(level: LogLevel, message: unknown, context?: string): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    const where = context && context !== this.component ? `${this.component}/${context}` : this.component;
    this.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${where}] ${text}`);
  }
}
