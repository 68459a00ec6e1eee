/** Finds any 10-character piece of any encoded form of a secret in a text: the leak scan of the secrets tests. */
const WINDOW = 10;

/** Forms a leak could take: raw, URL-encoded, form-encoded, base64/base64url (any alignment), hex, JSON-escaped, upper/lower case. */
export function leakForms(value: string): string[] {
  const forms = [
    value,
    encodeURIComponent(value),
    encodeURIComponent(encodeURIComponent(value)),
    new URLSearchParams({ v: value }).toString().slice(2),
    Buffer.from(value).toString('hex'),
    JSON.stringify(value).slice(1, -1),
  ];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), Buffer.from(value)]);
    for (const encoding of ['base64', 'base64url'] as const) forms.push(padded.toString(encoding).slice(offset === 0 ? 0 : 4, Math.floor(padded.length / 3) * 4));
  }
  return forms.flatMap((form) => [form, form.toLowerCase(), form.toUpperCase()]);
}

/** The first leak of any of `secrets` in `text`, with some context, or `undefined`. */
export function findLeak(text: string, secrets: Record<string, string>): string | undefined {
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of leakForms(secret)) {
      for (let i = 0; i + WINDOW <= form.length; i++) {
        const at = text.indexOf(form.slice(i, i + WINDOW));
        if (at !== -1) return `${name} (${form.slice(i, i + WINDOW)}) in …${text.slice(Math.max(0, at - 60), at + 70)}…`;
      }
    }
  }
  return undefined;
}
