/**
 * A throwaway certificate authority for TLS tests, made with openssl at test time (nothing is
 * checked in): a CA, a server certificate it signs for 127.0.0.1 and localhost, a client
 * certificate it signs (its key encrypted with a passphrase, for mutual TLS), and a second CA
 * that nothing trusts. Valid for a day; the files are removed by `dispose`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The PEMs of a throwaway CA and the certificates it signed. */
export interface ThrowawayTls {
  /** The CA's certificate: what a client trusts. */
  readonly ca: string;
  /** The server's certificate (for 127.0.0.1 and localhost) and key. */
  readonly server: { readonly cert: string; readonly key: string };
  /** A client certificate and its key, encrypted with `passphrase`. */
  readonly client: { readonly cert: string; readonly key: string; readonly passphrase: string };
  /** A server certificate signed by another CA, which no client here trusts. */
  readonly untrusted: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Removes the files. */
  dispose(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Makes the CA and certificates in a temporary folder.
 *
 * @param passphrase - The passphrase of the client's key.
 * @throws Error when openssl is not on the PATH.
 */
export function throwawayTls(passphrase: string): ThrowawayTls {
  const dir = mkdtempSync(join(tmpdir(), 'rivulet-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new Error(e.code === 'ENOENT' ? 'throwawayTls needs openssl on the PATH' : `openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`);
    }
  };
  const authority = (name: string): void =>
    openssl('req', '-x509', ...EC, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '1', '-subj', `/CN=Rivulet ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const signed = (name: string, ca: string, extensions: string): void => {
    openssl('req', '-new', ...EC, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    writeFileSync(file(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`), '-CAcreateserial',
      '-out', file(`${name}.pem`), '-days', '1', '-extfile', file(`${name}.ext`));
  };
  try {
    authority('test-ca');
    authority('other-ca');
    signed('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    signed('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
    signed('untrusted', 'other-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', file('client.key'), '-out', file('client-encrypted.key'), '-passout', `pass:${passphrase}`);
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    return {
      ca: read('test-ca.pem'),
      server: { cert: read('server.pem'), key: read('server.key') },
      client: { cert: read('client.pem'), key: read('client-encrypted.key'), passphrase },
      untrusted: { cert: read('untrusted.pem'), key: read('untrusted.key'), ca: read('other-ca.pem') },
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
