import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputTooLargeError, KubeInjectIoError, OutputClosedError, parseByteSize, readBounded, readFileBounded, resolveOutput, writeFileAtomically, writeToStream } from './io.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'sk-kube-inject-io-'));
const failWith = (code: string) =>
  new Writable({
    write(_chunk, _enc, done) {
      done(Object.assign(new Error(`${code}: simulated`), { code }));
    },
  });

describe('reading the manifest with a size bound', () => {
  it.each([
    ['1048576', 1048576],
    ['64Mi', 64 * 1024 * 1024],
    ['500k', 500_000],
    ['2Gi', 2 * 1024 ** 3],
    ['1.5Mi', undefined],
    ['-1', undefined],
    ['64MB', undefined],
    ['', undefined],
  ])('parseByteSize(%j) = %s', (text, n) => {
    expect(parseByteSize(text)).toBe(n);
  });

  it('reads a stream up to the bound', async () => {
    expect(await readBounded(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4)).toBe('abcd');
  });

  it('stops an endless stream as soon as it passes the bound, and destroys it', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024, 'a'));
      },
    });
    await expect(readBounded(endless, 10_000)).rejects.toThrow(new InputTooLargeError(10_000));
    expect(produced).toBeLessThan(100_000);
    expect(endless.destroyed).toBe(true);
  });

  it('refuses a large regular file before reading it, and bounds devices while reading', async () => {
    const d = dir();
    writeFileSync(join(d, 'big.yaml'), 'x'.repeat(2048));
    await expect(readFileBounded(join(d, 'big.yaml'), 1024)).rejects.toThrow('more than 1Ki of input (--maxInputBytes)');
    expect(await readFileBounded(join(d, 'big.yaml'), 2048)).toHaveLength(2048);
    await expect(readFileBounded('/dev/zero', 1024 * 1024)).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(readFileBounded(d, 1024)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('-o PATH', () => {
  it('replaces the file a chain of symlinks names, keeping the links and the mode', async () => {
    const d = dir();
    writeFileSync(join(d, 'real.yaml'), 'old\n');
    chmodSync(join(d, 'real.yaml'), 0o600);
    symlinkSync('real.yaml', join(d, 'link.yaml'));
    symlinkSync(join(d, 'link.yaml'), join(d, 'link2.yaml'));
    const target = await resolveOutput(join(d, 'link2.yaml'));
    expect(target).toEqual({ kind: 'file', path: join(d, 'real.yaml'), mode: 0o600, shown: `-o: ${join(d, 'link2.yaml')}` });
    if (target.kind === 'file') await writeFileAtomically(target, 'new\n');
    expect(readFileSync(join(d, 'real.yaml'), 'utf8')).toBe('new\n');
    expect(statSync(join(d, 'real.yaml')).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(d, 'link2.yaml')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(d, 'link.yaml'))).toBe('real.yaml');
  });

  it('creates the file a dangling symlink names', async () => {
    const d = dir();
    symlinkSync('new.yaml', join(d, 'dangling'));
    const target = await resolveOutput(join(d, 'dangling'));
    expect(target).toEqual({ kind: 'file', path: join(d, 'new.yaml'), mode: undefined, shown: `-o: ${join(d, 'dangling')}` });
    if (target.kind === 'file') await writeFileAtomically(target, 'x\n');
    expect(readFileSync(join(d, 'new.yaml'), 'utf8')).toBe('x\n');
    expect(lstatSync(join(d, 'dangling')).isSymbolicLink()).toBe(true);
  });

  it.each([
    ['a character device', '/dev/null', 'is a character device; -o writes regular files only'],
    ['a directory', '.', 'is a directory'],
    ['a symlink to a device', 'link-to-null', 'is a character device'],
    ['a FIFO', 'fifo', 'is a FIFO'],
    ['a path in a missing directory', 'nowhere/out.yaml', 'does not exist'],
  ])('refuses %s', async (_name, path, message) => {
    const d = dir();
    symlinkSync('/dev/null', join(d, 'link-to-null'));
    spawnSync('mkfifo', [join(d, 'fifo')]);
    const p = path.startsWith('/') ? path : join(d, path);
    if (path === 'fifo' && !existsSync(p)) return; // no mkfifo here
    await expect(resolveOutput(p)).rejects.toThrow(message);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true); // never replaced
  });

  it('leaves the target untouched and no temporary file behind when the write fails', async () => {
    const d = dir();
    mkdirSync(join(d, 'ro'));
    writeFileSync(join(d, 'ro', 'out.yaml'), 'old\n');
    chmodSync(join(d, 'ro'), 0o500);
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) await expect(writeFileAtomically({ path: join(d, 'ro', 'out.yaml'), mode: undefined, shown: '-o: out.yaml' }, 'new\n')).rejects.toBeInstanceOf(KubeInjectIoError);
    chmodSync(join(d, 'ro'), 0o700);
    if (!asRoot) expect(readFileSync(join(d, 'ro', 'out.yaml'), 'utf8')).toBe('old\n');
  });
});

describe('writing to stdout', () => {
  it('resolves once the text is taken', async () => {
    const sink = new PassThrough();
    await writeToStream(sink, 'hello');
    expect(sink.read()?.toString()).toBe('hello');
  });

  it('fails with one line on a failed write (ENOSPC)', async () => {
    await expect(writeToStream(failWith('ENOSPC'), 'x')).rejects.toThrow(new KubeInjectIoError('writing to stdout: no space left on device', 'OUTPUT_FAILED'));
  });

  it('reports a reader that went away (EPIPE) as OutputClosedError, and the later error event does not crash', async () => {
    const stream = failWith('EPIPE');
    await expect(writeToStream(stream, 'x')).rejects.toBeInstanceOf(OutputClosedError);
    await new Promise((r) => setImmediate(r));
  });
});

/** The CLI from source, as a real process (stdout and stdin are real pipes/files). */
const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const MANIFEST = fileURLToPath(new URL('../../examples/shop.yaml', import.meta.url));
const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', MAIN, 'kube-inject', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
const collect = (s: NodeJS.ReadableStream) => {
  let text = '';
  s.on('data', (d) => (text += String(d)));
  return () => text;
};
const exitOf = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on('close', (code) => r(code)));

describe('kube-inject as a process: failed writes, closed readers, endless input', () => {
  it('exits 1 with one line when stdout is full (/dev/full)', () => {
    if (!existsSync('/dev/full')) return;
    const r = spawnSync('sh', ['-c', `"${process.execPath}" --import tsx "${MAIN}" kube-inject -f "${MANIFEST}" > /dev/full`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: writing to stdout: no space left on device\n');
  }, 60_000);

  it('ends quietly (status 0, nothing on stderr) when the reader goes away', async () => {
    const big = join(dir(), 'big.yaml');
    writeFileSync(big, Array.from({ length: 40 }, () => readFileSync(MANIFEST, 'utf8')).join('---\n'));
    const p = cli(['-f', big]);
    const err = collect(p.stderr);
    p.stdout.once('data', () => p.stdout.destroy()); // like `| head -1`
    expect(await exitOf(p)).toBe(0);
    expect(err()).toBe('');
  }, 60_000);

  it('stops an endless stdin at --maxInputBytes with a clear error', async () => {
    const p = cli(['-f', '-', '--maxInputBytes', '1Mi']);
    const err = collect(p.stderr);
    p.stdin.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (!p.stdin.destroyed && p.stdin.write(chunk));
      if (!p.stdin.destroyed) p.stdin.once('drain', pump);
    };
    pump();
    expect(await exitOf(p)).toBe(1);
    expect(err()).toBe('error: -f: stdin: more than 1Mi of input (--maxInputBytes); split it or raise the bound\n');
  }, 60_000);
});
