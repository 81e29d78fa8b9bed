import { describe, expect, it } from 'vitest';
import { parseWebhookOptions } from './options.js';

describe('parseWebhookOptions', () => {
  it('has Istio defaults', () => {
    expect(parseWebhookOptions(['--self-signed'], {})).toMatchObject({
      port: 15017,
      monitoringPort: 15014,
      listenAddress: '0.0.0.0',
      selfSigned: true,
      revision: '',
      webhookConfigName: 'istio-sidecar-injector',
      serviceName: 'istiod',
      serviceNamespace: 'istio-system',
      caSecretName: 'istiod-ca',
      logLevel: 'info',
      shutdownTimeoutSeconds: 25,
    });
  });

  it('derives revisioned names', () => {
    expect(parseWebhookOptions(['--self-signed', '--revision', 'canary'], {})).toMatchObject({
      webhookConfigName: 'istio-sidecar-injector-canary',
      serviceName: 'istiod-canary',
      caSecretName: 'istiod-canary-ca',
    });
    expect(parseWebhookOptions(['--self-signed', '--serviceName', 'hook'], { WEBHOOK_CA_SECRET_NAME: 'shared-ca' }).caSecretName).toBe('shared-ca');
  });

  it('reads env vars, flags win', () => {
    const env = { WEBHOOK_PORT: '9443', MONITORING_PORT: '9090', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k', INJECT_CONFIG_DIR: '/cm', POD_NAMESPACE: 'mesh' };
    expect(parseWebhookOptions(['--port', '8443'], env)).toMatchObject({
      port: 8443, monitoringPort: 9090, tlsCertFile: '/c', tlsKeyFile: '/k', configDir: '/cm', serviceNamespace: 'mesh', selfSigned: false,
    });
    expect(parseWebhookOptions([], { WEBHOOK_SELF_SIGNED: 'true' }).selfSigned).toBe(true);
  });

  it.each([
    [['--self-signed', '--port', 'abc'], {}, '--port: must be a port number'],
    [['--self-signed', '--port', '70000'], {}, '--port: must be 0-65535'],
    [['--self-signed'], { MONITORING_PORT: '1.5' }, 'MONITORING_PORT (--monitoringPort): must be an integer'],
    [['--self-signed', '--logLevel', 'loud'], {}, '--logLevel: must be one of'],
    [[], {}, 'a serving certificate is required'],
    [['--tlsCertFile', '/c'], {}, 'missing --tlsKeyFile'],
    [['--self-signed', '--tlsCertFile', '/c', '--tlsKeyFile', '/k'], {}, '--self-signed cannot be combined'],
    [['--tlsCertFile', '/c', '--tlsKeyFile', '/k', '--caOutFile', '/ca'], {}, '--caOutFile only makes sense with --self-signed'],
    [['--self-signed', '--bogus'], {}, 'unknown flag: --bogus'],
    [['--self-signed', 'extra'], {}, 'unexpected argument "extra"'],
    [['--self-signed', '--port', '1', '--port', '2'], {}, 'flag --port given twice ("1", then "2"): it takes one value'],
    [[], { WEBHOOK_SELF_SIGNED: 'yes' }, 'WEBHOOK_SELF_SIGNED (--self-signed): must be true or false, got "yes"'],
    [['--self-signed'], { ENABLE_NATIVE_SIDECARS: 'bogus' }, 'ENABLE_NATIVE_SIDECARS: "bogus": expected auto, true or false'],
    [['--self-signed'], { LOG_LEVEL: 'loud' }, 'LOG_LEVEL (--logLevel): must be one of trace, debug, info, warn, error, fatal, silent'],
    [['--self-signed', '--caSecretName', 'My_CA'], {}, '--caSecretName: "My_CA" is not a valid Secret name'],
    [['--self-signed'], { WEBHOOK_CA_SECRET_NAME: '-x' }, 'WEBHOOK_CA_SECRET_NAME (--caSecretName): "-x" is not a valid Secret name'],
  ] as const)('%j %j → %s', (argv, env, message) => {
    expect(() => parseWebhookOptions(argv, env)).toThrow(message);
  });
});

describe('docs/webhook.md', () => {
  it('documents every flag with its env var and default', async () => {
    const { readFileSync } = await import('node:fs');
    const { ENV_VARS } = await import('./options.js');
    const doc = readFileSync(new URL('../../docs/webhook.md', import.meta.url), 'utf8');
    for (const [key, env] of Object.entries(ENV_VARS)) {
      const flag = key === 'selfSigned' ? 'self-signed' : key;
      expect(doc, `--${flag}`).toMatch(new RegExp(`^\\| \`--${flag}\` \\| \`${env}\``, 'm'));
    }
  });
});
