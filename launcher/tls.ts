/**
 * The per-job TLS certificate for `--tls`: a fresh self-signed EC key and certificate,
 * made with the openssl command into the private job directory. Ranks trust exactly
 * this certificate; the key travels to them the way the secret does (environment
 * locally, standard input on other hosts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsMaterial } from '../src/transport/listener.js';

/** Creates the job's key and certificate in `dir` (which must be private). */
export function createJobCertificate(dir: string): TlsMaterial {
  const keyFile = join(dir, 'tls-key.pem');
  const certFile = join(dir, 'tls-cert.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', '/CN=tsmpi-job'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the openssl command is not installed' : String((err as Error).message).split('\n')[0];
    throw new Error(`--tls: cannot create the job certificate: ${why}`);
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}

/** The form the key and certificate travel in: one line, base64 fields. */
export function encodeTls(tls: TlsMaterial): { key: string; cert: string } {
  return { key: Buffer.from(tls.key).toString('base64'), cert: Buffer.from(tls.cert).toString('base64') };
}
