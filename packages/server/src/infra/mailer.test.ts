import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createMailer } from './mailer.ts';

describe('mailer', () => {
  it('writes each message to the outbox folder when no SMTP server is configured', async () => {
    const outboxDir = await mkdtemp(join(tmpdir(), 'flint-outbox-'));
    const mailer = createMailer({ smtpUrl: undefined, from: 'Flint <no-reply@flint.test>', outboxDir });
    await mailer.send({ to: 'zoe@example.com', subject: 'Hello Zoë', text: 'Line one\nLine two' });
    const [name] = await readdir(outboxDir);
    const eml = await readFile(join(outboxDir, name!), 'utf8');
    assert.match(eml, /^To: zoe@example.com$/m);
    assert.match(eml, /^From: Flint <no-reply@flint.test>$/m);
    assert.match(eml, /Line one\nLine two/);
  });

  it('delivers through a real SMTP server when FLINT_SMTP_URL is set', async () => {
    const received: { from: string; to: string[]; data: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as { port: number };
    try {
      const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'no-reply@flint.test', outboxDir: '/nonexistent' });
      await mailer.send({ to: 'zoe@example.com', subject: 'Invitation', text: 'Join us' });
      assert.equal(received.length, 1);
      assert.equal(received[0]!.from, 'no-reply@flint.test');
      assert.deepEqual(received[0]!.to, ['zoe@example.com']);
      assert.match(received[0]!.data, /Subject: Invitation/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
