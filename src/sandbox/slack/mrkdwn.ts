// Slack's mrkdwn turned into terminal text: *bold*, _italic_, ~strike~, `code`, <url|links>,
// <@user> / <#channel> / <!here> mentions, the three escaped characters, and common emoji codes.
// https://docs.slack.dev/messaging/formatting-message-text

export interface Style {
  bold(s: string): string;
  italic(s: string): string;
  strike(s: string): string;
  code(s: string): string;
  dim(s: string): string;
  link(s: string): string;
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const wrapWith = (open: string, close: string) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export function terminalStyle(color: boolean): Style {
  if (!color) {
    const same = (s: string) => s;
    return {
      bold: same,
      italic: same,
      strike: (s) => `~${s}~`,
      code: (s) => `\`${s}\``,
      dim: same,
      link: same,
      red: same,
      green: same,
      cyan: same,
    };
  }
  return {
    bold: wrapWith('1', '22'),
    italic: wrapWith('3', '23'),
    strike: wrapWith('9', '29'),
    code: wrapWith('36', '39'),
    // Grey rather than SGR 2 (faint), whose reset would also end any bold inside it.
    dim: wrapWith('90', '39'),
    link: wrapWith('4', '24'),
    red: wrapWith('31', '39'),
    green: wrapWith('32', '39'),
    cyan: wrapWith('36', '39'),
  };
}

// Built from a string so the pattern holds no literal control character.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Length as seen on screen (ANSI escapes take no room). */
export const visibleLength = (s: string): number => s.replace(ANSI, '').length;

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  rotating_light: '🚨',
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  unlock: '🔓',
  key: '🔑',
  shield: '🛡️',
  mag: '🔍',
  recycle: '♻️',
  page_facing_up: '📄',
  paperclip: '📎',
  clipboard: '📋',
  bell: '🔔',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  information_source: 'ℹ️',
  pushpin: '📌',
  fire: '🔥',
  bucket: '🪣',
  wastebasket: '🗑️',
  arrows_counterclockwise: '🔄',
  tada: '🎉',
  eyes: '👀',
  point_right: '👉',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  '-1': '👎',
  question: '❓',
  exclamation: '❗',
  heavy_minus_sign: '➖',
  bar_chart: '📊',
  calendar: '📅',
  skull: '💀',
  package: '📦',
  gear: '⚙️',
  link: '🔗',
  busts_in_silhouette: '👥',
  bust_in_silhouette: '👤',
};

export const emojify = (s: string): string =>
  s.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all);

export interface MrkdwnOptions {
  /** User id → display name for `<@U…>` mentions. */
  users?: ReadonlyMap<string, string>;
}

function entity(inner: string, style: Style, opts: MrkdwnOptions): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@'))
    return style.bold(`@${label ?? opts.users?.get(target.slice(1)) ?? target.slice(1)}`);
  if (target.startsWith('#')) return style.bold(`#${label ?? target.slice(1)}`);
  if (target.startsWith('!')) {
    const special = target.slice(1);
    if (special.startsWith('date^')) return label ?? special;
    if (special.startsWith('subteam^')) return style.bold(label ?? `@${special.slice(8)}`);
    return style.bold(`@${special}`);
  }
  return label && label !== target ? `${style.link(label)} (${target})` : style.link(target);
}

function inline(text: string, style: Style, opts: MrkdwnOptions): string {
  // Code spans are literal: split them out before any other formatting applies.
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => {
      if (i % 2 === 1) return style.code(part.slice(1, -1));
      return emojify(part)
        .replace(/<([^<>\n]+)>/g, (_all, inner: string) => entity(inner, style, opts))
        .replace(
          /(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,!?;:)])/g,
          (_a, pre: string, s: string) => pre + style.bold(s),
        )
        .replace(
          /(^|[\s(])_([^_\n]+)_(?=$|[\s.,!?;:)])/g,
          (_a, pre: string, s: string) => pre + style.italic(s),
        )
        .replace(
          /(^|[\s(])~([^~\n]+)~(?=$|[\s.,!?;:)])/g,
          (_a, pre: string, s: string) => pre + style.strike(s),
        );
    })
    .join('')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function mrkdwnToTerminal(text: string, style: Style, opts: MrkdwnOptions = {}): string {
  // ``` blocks keep their content verbatim (only the escapes are undone).
  return text
    .split(/```/)
    .map((part, i) =>
      i % 2 === 1
        ? style.code(
            part.replace(/^\n/, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
          )
        : inline(part, style, opts),
    )
    .join('');
}

/** Wraps each line to `width` visible characters at spaces; long words stay whole. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (visibleLength(line) <= width) {
      out.push(line);
      continue;
    }
    let current = '';
    for (const word of line.split(' ')) {
      const candidate = current === '' ? word : `${current} ${word}`;
      if (visibleLength(candidate) > width && current !== '') {
        out.push(current);
        current = word;
      } else {
        current = candidate;
      }
    }
    out.push(current);
  }
  return out;
}
