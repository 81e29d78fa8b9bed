// The Istio oracle (oracle/: a Go program running Istio's own code from the istio.io/istio module
// pinned in oracle/go.mod), built once into ~/.cache/sidecar-kit/istio-oracle-<version>-<hash>/
// and shared by the tests, `npm run oracle:diff`, `npm run conformance` and `npm run bench:istio`.
// Test infrastructure only: nothing here ships.
//
//   node scripts/istio-oracle.mjs build        build (if needed) and print the binary's path
//   node scripts/istio-oracle.mjs module-dir   print the istio.io/istio module directory
//
// API: ensureOracle(), istioModuleDir(), startOracle() -> { request(obj), close() },
// buildIstioBinary(pkg, name) for Istio's own commands (benchmarks).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ORACLE_SRC = path.join(root, 'oracle');
const MIN_GO = [1, 26];

/** The Go toolchain: /usr/local/go first (Debian's golang-go may be older), then PATH. */
export function goBinary() {
  const candidates = [process.env.SK_GO, '/usr/local/go/bin/go', 'go'].filter(Boolean);
  for (const go of candidates) {
    const r = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const m = /^go(\d+)\.(\d+)/.exec(r.stdout.trim());
    if (m && (Number(m[1]) > MIN_GO[0] || (Number(m[1]) === MIN_GO[0] && Number(m[2]) >= MIN_GO[1]))) return go;
  }
  throw new Error(`the Istio oracle needs Go >= ${MIN_GO.join('.')} (tried ${candidates.join(', ')}); install it or set SK_GO`);
}

/** The pinned istio.io/istio version, read from oracle/go.mod (the one place it is pinned). */
export function istioVersion() {
  const mod = readFileSync(path.join(ORACLE_SRC, 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?istio\.io\/istio\s+(v\S+)/m.exec(mod);
  if (!m) throw new Error('oracle/go.mod does not require istio.io/istio');
  return m[1];
}

function sourceFiles(dir = ORACLE_SRC) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.go$|^go\.(mod|sum)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Cache key: the Istio version and a hash of go.mod, go.sum and the oracle's sources. */
export function oracleCacheDir() {
  const h = createHash('sha256');
  for (const f of sourceFiles()) h.update(`${path.relative(ORACLE_SRC, f)}\0`).update(readFileSync(f)).update('\0');
  const base = process.env.SK_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'sidecar-kit');
  return path.join(base, `istio-oracle-${istioVersion()}-${h.digest('hex').slice(0, 12)}`);
}

function goEnv() {
  return { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
}

function withLock(dir, fn) {
  mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds: wait for it (a lock older than 30 minutes is stale).
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function goBuild(dir, pkg, out, log) {
  const go = goBinary();
  const t0 = Date.now();
  log?.(`istio-oracle: building ${pkg} (Istio ${istioVersion()}) into ${path.dirname(out)} ...`);
  const r = spawnSync(go, ['build', '-trimpath', '-o', `${out}.tmp`, pkg], {
    cwd: ORACLE_SRC, env: goEnv(), encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`go build ${pkg} failed:\n${r.stderr}${r.stdout}`);
  renameSync(`${out}.tmp`, out);
  const seconds = (Date.now() - t0) / 1000;
  log?.(`istio-oracle: built ${path.basename(out)} in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Builds the oracle when its cache directory lacks it; returns the binary's path. */
export function ensureOracle({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (process.env.SK_ORACLE_BIN) return process.env.SK_ORACLE_BIN; // a prebuilt oracle (development)
  const dir = oracleCacheDir();
  const bin = path.join(dir, 'oracle');
  if (existsSync(bin)) return bin;
  return withLock(dir, () => {
    if (existsSync(bin)) return bin;
    mkdirSync(dir, { recursive: true });
    const seconds = goBuild(dir, '.', bin, log);
    writeFileSync(path.join(dir, 'build.json'), `${JSON.stringify({ istio: istioVersion(), seconds, at: new Date().toISOString() })}\n`);
    return bin;
  });
}

/** Builds one of Istio's own commands (e.g. istio.io/istio/cni/cmd/istio-cni) beside the oracle. */
export function buildIstioBinary(pkg, name, { log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const dir = oracleCacheDir();
  const bin = path.join(dir, name);
  if (existsSync(bin)) return bin;
  return withLock(`${dir}-${name}`, () => {
    if (existsSync(bin)) return bin;
    mkdirSync(dir, { recursive: true });
    goBuild(dir, pkg, bin, log);
    return bin;
  });
}

let moduleDirMemo;
/** The istio.io/istio module's directory in the Go module cache (downloaded if needed). */
export function istioModuleDir() {
  if (moduleDirMemo) return moduleDirMemo;
  const r = spawnSync(goBinary(), ['mod', 'download', '-json', `istio.io/istio@${istioVersion()}`], {
    cwd: ORACLE_SRC, env: goEnv(), encoding: 'utf8', maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`go mod download istio.io/istio failed:\n${r.stderr}${r.stdout}`);
  const info = JSON.parse(r.stdout);
  if (info.Error || !info.Dir) throw new Error(`go mod download istio.io/istio: ${info.Error ?? 'no Dir'}`);
  moduleDirMemo = info.Dir;
  return moduleDirMemo;
}

/**
 * Starts the oracle in batch mode. request(obj) sends one JSON line and resolves with the answer
 * line (answers come back in order). A fault (the oracle itself failed) rejects.
 */
export function startOracle({ bin = ensureOracle(), timeoutMs = 120_000 } = {}) {
  const child = spawn(bin, ['batch', '--istio-dir', istioModuleDir()], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = [];
  let stderr = '';
  let dead;
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-8192);
  });
  const rl = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const p = pending.shift();
    if (!p) return;
    clearTimeout(p.timer);
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      p.reject(new Error(`oracle: bad answer line: ${err.message}`));
      return;
    }
    if (msg.fault) p.reject(new Error(`oracle fault (${p.op}): ${msg.fault}`));
    else p.resolve(msg);
  });
  child.on('exit', (code, signal) => {
    dead = new Error(`oracle exited (${code ?? signal}); stderr:\n${stderr}`);
    for (const p of pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(dead);
    }
  });
  child.stdin.on('error', () => undefined);
  return {
    pid: child.pid,
    request(obj) {
      if (dead) return Promise.reject(dead);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`oracle: no answer to ${obj.op} within ${timeoutMs} ms`));
          child.kill('SIGKILL');
        }, timeoutMs);
        pending.push({ resolve, reject, timer, op: obj.op });
        child.stdin.write(`${JSON.stringify(obj)}\n`);
      });
    },
    async close() {
      if (dead) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  if (cmd === 'build') console.log(ensureOracle());
  else if (cmd === 'module-dir') console.log(istioModuleDir());
  else if (cmd === 'cache-dir') console.log(oracleCacheDir());
  else {
    console.error('usage: node scripts/istio-oracle.mjs build|module-dir|cache-dir');
    process.exit(2);
  }
}
