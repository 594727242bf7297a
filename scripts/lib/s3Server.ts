/**
 * A throwaway S3-compatible store for tests: a single-node OpenStack Swift
 * (Debian's swift-* packages) with its s3api middleware, in a fresh temporary
 * directory, on free ports of 127.0.0.1. Nothing outside that directory is
 * read or written (not /etc/swift, not syslog, not memcached), so several
 * can run side by side; `close()` kills its processes and removes the
 * directory.
 *
 * Four Swift servers run, each as one process (`workers = 0`: no forked
 * workers, so the pid we hold is the pid that serves): account, container,
 * object and the proxy with `s3api tempauth` in its pipeline. No
 * replicator, updater or auditor daemons: with one replica and a lifetime of
 * one test file there is nothing for them to do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface S3Server {
  /** `http://127.0.0.1:<port>`; use path-style requests (`forcePathStyle`). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Created before `startS3Server` resolves. */
  bucket: string;
  close(): Promise<void>;
}

export interface S3ServerOptions {
  /** Default `test-recordings`. */
  bucket?: string;
  /**
   * The most keys one listing page returns (S3's and the default: 1000); a
   * small one lets a test page through a listing without a thousand objects.
   */
  listingPageSize?: number;
}

// Debian's interpreter, not whatever `python3` comes first on PATH (a pyenv
// or venv one has no `swift` module).
const PYTHON = '/usr/bin/python3';
const SETUP_HINT =
  'run `bash scripts/setup.sh` (it installs swift-proxy, swift-object, swift-container and swift-account)';
// s3api checks the region of SigV4 scopes against its `location`.
const REGION = 'us-east-1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LINES_KEPT = 15;

/** Whether Swift and its s3api middleware are installed. */
export function swiftAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  return (
    spawnSync(PYTHON, ['-c', 'import swift.common.middleware.s3api.s3api'], { stdio: 'ignore' })
      .status === 0
  );
}

// statfs magic numbers, to name the filesystem in an error.
const FS_NAMES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x65735546: 'fuse',
};

function fsName(dir: string): string {
  try {
    const { type } = statfsSync(dir);
    return FS_NAMES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

function userXattrsWork(dir: string): boolean {
  const probe = 'import os, sys; os.setxattr(sys.argv[1], "user.swift.probe", b"1")';
  return spawnSync(PYTHON, ['-c', probe, dir], { stdio: 'ignore' }).status === 0;
}

/**
 * The object server keeps each object's metadata (name, ETag, user metadata)
 * in `user.*` extended attributes of its file, so the device directory must be
 * on a filesystem that has them: ext4, xfs and btrfs do, and so does tmpfs on
 * Linux 6.6 and later, but older tmpfs and some overlay/FUSE mounts refuse
 * them. The system temp dir is tried first (usually /tmp on ext4), then
 * /var/tmp, which is disk-backed even where /tmp is an old tmpfs.
 */
function makeTempDir(): string {
  const tried: string[] = [];
  for (const base of [...new Set([tmpdir(), '/var/tmp'])]) {
    if (!existsSync(base)) continue;
    const dir = mkdtempSync(join(base, 'swift-s3-'));
    if (userXattrsWork(dir)) return dir;
    tried.push(`${base} (${fsName(base)})`);
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(
    `no temporary directory supports user extended attributes, which Swift's object server needs: tried ${tried.join(', ')}; set TMPDIR to a directory on ext4 or xfs`,
  );
}

/**
 * Runs one Swift server. It does what `swift-<name>-server <conf> -v` does,
 * with three differences that keep the cluster inside its directory:
 * swift.conf is read from there (the scripts always read
 * /etc/swift/swift.conf), logging goes only to stderr (the scripts also log
 * to /dev/log, or by UDP to localhost:514 when there is no syslog socket), and
 * the proxy's `swift.cache` is a dict in its process (tempauth refuses to work
 * without a cache, and a real memcached would be shared with whatever else
 * uses it). The proxy also builds the rings first, with the library behind
 * `swift-ring-builder`: one process instead of nine CLI runs (create, add,
 * rebalance per ring) saves about three seconds of CPU per start.
 */
const LAUNCHER = String.raw`
import json
import logging
import os
import sys
import time as _time


class MemoryCache(object):
    """The subset of swift.common.memcached.MemcacheRing that the proxy uses."""

    def __init__(self):
        self._items = {}

    def get(self, key, raise_on_error=False, **kwargs):
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if expires and expires < _time.time():
            del self._items[key]
            return None
        return value

    def set(self, key, value, serialize=True, time=0, min_compress_len=0,
            raise_on_error=False, **kwargs):
        self._items[key] = (value, _time.time() + time if time else 0)

    def incr(self, key, delta=1, time=0, **kwargs):
        value = int(self.get(key) or 0) + delta
        self.set(key, value, time=time)
        return value

    def decr(self, key, delta=1, time=0, **kwargs):
        return self.incr(key, -delta, time=time)

    def delete(self, key, server_key=None, **kwargs):
        self._items.pop(key, None)

    def get_multi(self, keys, server_key, **kwargs):
        return [self.get(key) for key in keys]

    def set_multi(self, mapping, server_key, serialize=True, time=0,
                  min_compress_len=0, **kwargs):
        for key, value in mapping.items():
            self.set(key, value, time=time)


def cache_filter_factory(global_conf, **local_conf):
    cache = MemoryCache()

    def cache_filter(app):
        def with_cache(env, start_response):
            env['swift.cache'] = cache
            return app(env, start_response)
        return with_cache
    return cache_filter


# Replaces the syslog handler every Swift logger gets; verbose=True below
# gives each one a stderr handler as well.
class _NoSyslog(logging.NullHandler):
    def __init__(self, *args, **kwargs):
        logging.NullHandler.__init__(self)


def build_rings(swift_dir, ports):
    from swift.common.ring import RingBuilder
    for name, port in ports.items():
        # 2^6 partitions, 1 replica, min_part_hours 1: one device.
        builder = RingBuilder(6, 1, 1)
        builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1',
                         'port': port, 'device': 'd1', 'weight': 1.0,
                         'meta': ''})
        builder.rebalance(seed=1)
        builder.get_ring().save(os.path.join(swift_dir, name + '.ring.gz'))


def main():
    swift_dir, conf_path, app_section = sys.argv[1:4]
    from swift.common import utils
    utils.ThreadSafeSysLogHandler = _NoSyslog
    utils.set_swift_dir(swift_dir)
    from swift.common import constraints, storage_policy
    constraints.reload_constraints()
    storage_policy.reload_storage_policies()
    if app_section == 'proxy-server':
        with open(os.path.join(swift_dir, 'ring-ports.json')) as f:
            build_rings(swift_dir, json.load(f))
    from swift.common.wsgi import run_wsgi
    sys.exit(run_wsgi(conf_path, app_section, verbose=True))


if __name__ == '__main__':
    main()
`;

interface Layout {
  dir: string;
  user: string;
  ports: { proxy: number; account: number; container: number; object: number };
  accessKeyId: string;
  secretAccessKey: string;
  listingPageSize: number;
}

function serverConf(
  { dir, user }: Layout,
  port: number,
  app: 'account' | 'container' | 'object',
): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
user = ${user}
swift_dir = ${dir}
devices = ${join(dir, 'srv')}
# The device is a plain directory, not a mount point.
mount_check = false
log_level = INFO

[pipeline:main]
pipeline = ${app}-server

[app:${app}-server]
use = egg:swift#${app}
`;
}

function proxyConf({
  dir,
  user,
  ports,
  accessKeyId,
  secretAccessKey,
  listingPageSize,
}: Layout): string {
  const [account, name] = accessKeyId.split(':') as [string, string];
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${ports.proxy}
workers = 0
user = ${user}
swift_dir = ${dir}
log_level = INFO

[pipeline:main]
# s3api before the auth middleware, slo after it (s3api stores multipart
# uploads as static large objects, and turns them off without slo);
# keymaster + encryption (Swift's at-rest encryption) just before the app,
# where its docs put them: s3api accepts "x-amz-server-side-encryption:
# AES256" only when encryption is on (and answers aws:kms with 501 always).
# versioned_writes is listed because the proxy inserts it otherwise.
pipeline = catch_errors gatekeeper proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes keymaster encryption proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# The tempauth account is created on its first PUT (the bucket).
account_autocreate = true
# Like a bucket whose CORS rule allows any origin for GET: a browser's
# hls.js may fetch presigned segments from it (after the app's redirect the
# request's origin is "null", which is echoed back).
strict_cors_mode = false

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
paste.filter_factory = swift_test_server:cache_filter_factory

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = ${REGION}
# No storage_domain: virtual-hosted-style requests are off, so every
# request is path-style (http://127.0.0.1:port/bucket/key).
max_bucket_listing = ${listingPageSize}
cors_preflight_allow_origin = *

[filter:tempauth]
use = egg:swift#tempauth
# The S3 access key is "account:user", the secret is the key.
user_${account}_${name} = ${secretAccessKey} .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes

[filter:keymaster]
use = egg:swift#keymaster
encryption_root_secret = ${randomBytes(32).toString('base64')}

[filter:encryption]
use = egg:swift#encryption
`;
}

function writeLayout(layout: Layout): void {
  const { dir, ports } = layout;
  mkdirSync(join(dir, 'srv', 'd1'), { recursive: true });
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'swift_test_server.py'), LAUNCHER);
  writeFileSync(
    join(dir, 'swift.conf'),
    `[swift-hash]
swift_hash_path_suffix = ${randomBytes(8).toString('hex')}
swift_hash_path_prefix = ${randomBytes(8).toString('hex')}

[storage-policy:0]
name = Policy-0
default = yes
`,
  );
  writeFileSync(
    join(dir, 'ring-ports.json'),
    JSON.stringify({ account: ports.account, container: ports.container, object: ports.object }),
  );
  writeFileSync(join(dir, 'account-server.conf'), serverConf(layout, ports.account, 'account'));
  writeFileSync(
    join(dir, 'container-server.conf'),
    serverConf(layout, ports.container, 'container'),
  );
  writeFileSync(join(dir, 'object-server.conf'), serverConf(layout, ports.object, 'object'));
  writeFileSync(join(dir, 'proxy-server.conf'), proxyConf(layout));
}

const SERVERS = ['account', 'container', 'object', 'proxy'] as const;
type ServerName = (typeof SERVERS)[number];

function logTail(dir: string): string {
  return SERVERS.map((name) => {
    let lines: string[] = [];
    try {
      lines = readFileSync(join(dir, 'log', `${name}.log`), 'utf8')
        .trimEnd()
        .split('\n');
    } catch {
      // Not started.
    }
    return `--- ${name}-server:\n${lines.slice(-LOG_LINES_KEPT).join('\n')}`;
  }).join('\n');
}

function startSwiftProcess(dir: string, name: ServerName): ChildProcess {
  // The log is a file, not a pipe: it survives a blocked event loop and is
  // there to read when startup fails.
  const log = openSync(join(dir, 'log', `${name}.log`), 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  try {
    return spawn(
      PYTHON,
      [join(dir, 'swift_test_server.py'), dir, join(dir, `${name}-server.conf`), `${name}-server`],
      { stdio: ['ignore', log, log], env },
    );
  } finally {
    closeSync(log);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Retries `attempt` with a growing pause until it resolves; rejects at the
 * deadline, on a client error, or as soon as a server process has exited.
 */
async function retryUntilReady(
  attempt: () => Promise<void>,
  children: Map<ServerName, ChildProcess>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pause = 50;
  let lastError: unknown;
  for (;;) {
    for (const [name, child] of children) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the Swift ${name}-server exited (${child.exitCode ?? child.signalCode})`);
      }
    }
    try {
      await attempt();
      return;
    } catch (error) {
      // A server that is not up yet refuses the connection or answers 503
      // (or 404, while the proxy cannot see the container yet); other 4xx
      // (a bad bucket name, refused credentials) will not change with time.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status !== undefined && status >= 400 && status < 500 && status !== 404) throw error;
      lastError = error;
    }
    if (Date.now() + pause > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `Swift did not answer S3 requests within ${READY_TIMEOUT_MS} ms (last error: ${reason})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 1.5, 500);
  }
}

/** Starts Swift with s3api and creates `bucket`; resolves once both answer. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  if (!swiftAvailable()) {
    throw new Error(`OpenStack Swift (python3-swift with s3api) is not installed: ${SETUP_HINT}`);
  }
  const bucket = options.bucket ?? 'test-recordings';
  const layout: Layout = {
    dir: makeTempDir(),
    user: userInfo().username,
    ports: {
      proxy: await freePort(),
      account: await freePort(),
      container: await freePort(),
      object: await freePort(),
    },
    accessKeyId: 'recorder:tester',
    secretAccessKey: randomBytes(18).toString('base64url'),
    listingPageSize: options.listingPageSize ?? 1000,
  };
  const { dir } = layout;
  const children = new Map<ServerName, ChildProcess>();
  // A test run that dies without calling close() must not leave Swift
  // running (the servers call setsid(), so a terminal's ^C does not reach
  // them) nor its directory behind.
  const onExit = (): void => {
    for (const child of children.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await Promise.all([...children.values()].map(stop));
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    })());

  const endpoint = `http://127.0.0.1:${layout.ports.proxy}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: layout.accessKeyId, secretAccessKey: layout.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Retries are ours, with a deadline; a server that accepts a connection
    // and then says nothing must not hold an attempt past it.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
  try {
    writeLayout(layout);
    for (const name of SERVERS) children.set(name, startSwiftProcess(dir, name));
    // A bucket and an object through the proxy reach all four servers.
    const probe = '.swift-ready-probe';
    let created = false;
    await retryUntilReady(async () => {
      if (!created) {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        created = true;
      }
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: 'ok' }));
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
    }, children);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = logTail(dir);
    await close();
    throw new Error(`${message}\n${tail}`, { cause: error });
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    region: REGION,
    accessKeyId: layout.accessKeyId,
    secretAccessKey: layout.secretAccessKey,
    bucket,
    close,
  };
}

/** A client of the test store, for tests that look into the bucket (or spoil an object). */
export function s3ClientFor(server: S3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The server's environment for `STORAGE=s3` on the test store. */
export function s3StorageEnv(server: S3Server): Record<string, string> {
  return {
    STORAGE: 's3',
    AWS_S3_BUCKET: server.bucket,
    AWS_REGION: server.region,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    S3_ENDPOINT: server.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
  };
}
