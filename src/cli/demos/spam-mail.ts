/**
 * A raw RFC 822 / MIME mail → the text a reader sees: the Subject line and the body, with multipart
 * messages opened part by part (text parts kept, attachments dropped), quoted-printable and base64
 * decoded, HTML tags and entities removed. Other headers are dropped, because routing headers identify
 * the corpus' sources rather than what makes a mail spam; MIME headers and boundaries would only use up
 * the tokens a mail is cut to.
 */

/** The header block and the body of a message or a MIME part. */
function splitHeader(raw: string): { header: string; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  if (at < 0) return /^[\w-]+:/.test(raw) ? { header: raw, body: '' } : { header: '', body: raw };
  return { header: raw.slice(0, at), body: raw.slice(at).replace(/^\r?\n\r?\n/, '') };
}

/** A header field's value (folded continuation lines joined), or ''. */
function field(header: string, name: string): string {
  const m = new RegExp(`^${name}:([^\\n]*(?:\\n[ \\t][^\\n]*)*)`, 'im').exec(header);
  return m ? m[1].replace(/\s+/g, ' ').trim() : '';
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBase64(s: string): string {
  const compact = s.replace(/[^A-Za-z0-9+/=]/g, '');
  return Buffer.from(compact, 'base64').toString('latin1');
}

function stripHtml(s: string): string {
  return s
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&[a-z]+;|&#\d+;/gi, ' ');
}

/**
 * The readable text of a message or part: text/* parts decoded, multiparts opened (at most `depth` levels).
 * Each leaf part's content type and charset go into `kinds` (what a mail is made of — HTML, images, an
 * unusual charset — is part of its content).
 */
function partText(header: string, body: string, depth: number, kinds: string[]): string {
  const type = field(header, 'content-type').toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(field(header, 'content-type'))?.[1];
  if (type.startsWith('multipart/') && boundary && depth > 0) {
    const pieces = body.split(`--${boundary}`).slice(1);
    return pieces
      .filter((p) => !p.startsWith('--'))
      .map((p) => {
        const part = splitHeader(p.replace(/^\r?\n/, ''));
        return partText(part.header, part.body, depth - 1, kinds);
      })
      .join('\n');
  }
  kinds.push(type === '' ? 'text/plain' : type.split(';')[0].trim());
  const charset = /charset="?([^";\s]+)"?/i.exec(type)?.[1];
  if (charset) kinds.push(charset);
  if (type !== '' && !type.startsWith('text/')) return '';
  const encoding = field(header, 'content-transfer-encoding').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(text);
  else if (encoding === 'base64') text = decodeBase64(text);
  return type.startsWith('text/html') || /<html|<body|<p>|<br>|<font/i.test(text) ? stripHtml(text) : text;
}

/** Subject line + readable body of a raw mail. */
export function mailToText(raw: string): string {
  const { header, body } = splitHeader(raw);
  const kinds: string[] = [];
  const text = partText(header, body, 4, kinds);
  return `${field(header, 'subject')}\n${kinds.join(' ')}\n${text}`;
}
