import type { OptionLine } from './types.js';

/**
 * Neutron's `_format_option` (spec §5.5): a purely numeric option stays bare (`249`), a name becomes
 * `option:<name>` (IPv4) or `option6:<name>` (IPv6); a name written `tag:<x>,<name>` adds tag `x` after the
 * line's own tags; names and values are cut at the first newline.
 */
export function formatOption(
  ipVersion: 4 | 6,
  tags: readonly string[],
  name: string,
  values: readonly string[],
  portId?: string,
): OptionLine {
  let option = firstLine(name);
  const allTags = [...tags];
  if (option.startsWith('tag:') && option.includes(',')) {
    const comma = option.indexOf(',');
    allTags.push(option.slice(4, comma));
    option = option.slice(comma + 1);
  }
  if (!/^\d+$/.test(option)) option = `${ipVersion === 4 ? 'option' : 'option6'}:${option}`;
  return { tags: allTags, option, values: values.map(firstLine), portId };
}

function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}

/** The opts-file text of one line: `tag:a,tag:b,option:name,v1,v2`. */
export function optionLineText(line: OptionLine): string {
  return [...line.tags.map((tag) => `tag:${tag}`), line.option, ...line.values].join(',');
}
