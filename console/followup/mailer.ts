import nodemailer from 'nodemailer';
import type { FollowupConfig } from './config.ts';

export type Mail = { to: string[]; subject: string; text: string };
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** nodemailer over SMTP; a send is bounded by its timeouts, and a failure is the caller's to count. */
export function smtpMailer(cfg: NonNullable<FollowupConfig['smtp']>): Mailer {
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    ...(cfg.user && cfg.password ? { auth: { user: cfg.user, pass: cfg.password } } : {}),
    ...(cfg.requireTls ? { requireTLS: true } : { ignoreTLS: true }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: cfg.from, to: mail.to.join(', '), subject: mail.subject, text: mail.text });
    },
  };
}
