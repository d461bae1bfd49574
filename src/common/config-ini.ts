/**
 * Neutron-style INI files (`key = value`, `[DEFAULT]` and other sections optional): the one reader of the
 * configuration files of `qdhcp server`, `agent` and `all-in-one`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { configInvalid } from './config-options.js';

/** `key = value` pairs by section, with the line each came from. */
export type IniDocument = ReadonlyMap<string, ReadonlyMap<string, { value: string; line: number }>>;

/**
 * Parses Neutron-style INI text. Lines before any section header belong to `[DEFAULT]`; `#` and `;`
 * start comments; keys are case-sensitive like oslo.config's.
 */
export function parseIni(text: string, source = 'config'): IniDocument {
  const sections = new Map<string, Map<string, { value: string; line: number }>>();
  let current = 'DEFAULT';
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw configInvalid(`${source}:${index + 1}: expected "key = value" or "[section]", got "${line}"`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const section = sections.get(current) ?? new Map<string, { value: string; line: number }>();
    section.set(key, { value, line: index + 1 });
    sections.set(current, section);
  }
  return sections;
}

/** Reads and parses `file`; undefined when no file is given. */
export function readIniFile(file: string | undefined): IniDocument | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configInvalid(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseIni(text, file);
}
