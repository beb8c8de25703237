import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startSmtpServer } from './smtp.ts';

describe('test SMTP server', () => {
  it('receives and parses a message sent over SMTP', async () => {
    const smtp = await startSmtpServer();
    try {
      const transport = nodemailer.createTransport(smtp.url);
      const waiting = smtp.waitFor((m) => m.subject === 'Hello Zoë');
      await transport.sendMail({ from: 'no-reply@flint.test', to: 'zoe@example.com', subject: 'Hello Zoë', text: 'Line one\nLine two' });
      const mail = await waiting;
      assert.equal(mail.envelopeFrom, 'no-reply@flint.test');
      assert.deepEqual(mail.envelopeTo, ['zoe@example.com']);
      assert.equal(mail.text.trim(), 'Line one\nLine two');
    } finally {
      await smtp.close();
    }
  });
});
