/**
 * A real OpenSSH server on loopback aliases, so that 127.0.0.2 and 127.0.0.3 are two
 * "hosts" for multi-host tests (recipe: ../shared/TESTING.md). Started with a key made
 * for the test run; stopped by pid.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const SSH_HOSTS = ['127.0.0.2', '127.0.0.3'];

export interface Sshd {
  /** The --ssh command that reaches the hosts without prompts. */
  sshCommand: string;
  dir: string;
  stop(): void;
}

/** Why multi-host tests cannot run here, or null when they can. */
export function sshdMissing(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  return null;
}

export function startSshd(port = 2222 + Math.floor(Math.random() * 1000)): Sshd {
  const dir = mkdtempSync(join(tmpdir(), 'tsmpi-sshd-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'hostkey')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'userkey')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'userkey.pub')), { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true });
  const config = [
    ...SSH_HOSTS.map((h) => `ListenAddress ${h}:${port}`),
    `HostKey ${join(dir, 'hostkey')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'StrictModes no',
    'UsePAM no',
    'MaxStartups 100:30:200',
    'MaxSessions 100',
    // Sessions get the caller's PATH, so `node` resolves on the "remote" host as here.
    'PermitUserEnvironment no',
    `PidFile ${join(dir, 'sshd.pid')}`,
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config + '\n');
  execFileSync(SSHD, ['-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')]);
  const sshCommand = `ssh -p ${port} -i ${join(dir, 'userkey')} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
  return {
    sshCommand,
    dir,
    stop() {
      try {
        process.kill(Number(readFileSync(join(dir, 'sshd.pid'), 'utf8')), 'SIGTERM');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
