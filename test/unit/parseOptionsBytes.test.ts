// Sizes on the command line (--budget, --bloat-min-bytes): kB/MB/GB/TB are powers of 1000, as in
// the literature and the README's TPC-H figures; KiB/MiB/GiB/TiB powers of 1024; a plain number bytes.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../../src/cli/index.js';
import { parseBytes } from '../../src/cli/parseOptions.js';

describe('parseBytes', () => {
  it('a plain number, or B, is bytes', () => {
    expect(parseBytes('0')).toBe(0);
    expect(parseBytes('1048576')).toBe(1_048_576);
    expect(parseBytes('512B')).toBe(512);
    expect(parseBytes(' 7 b ')).toBe(7);
  });

  it('kB, MB, GB, TB are powers of 1000', () => {
    expect(parseBytes('100kB')).toBe(100_000);
    expect(parseBytes('50MB')).toBe(50_000_000);
    expect(parseBytes('150MB')).toBe(150_000_000);
    expect(parseBytes('2GB')).toBe(2_000_000_000);
    expect(parseBytes('1TB')).toBe(1e12);
  });

  it('KiB, MiB, GiB, TiB are powers of 1024', () => {
    expect(parseBytes('100KiB')).toBe(102_400);
    expect(parseBytes('50MiB')).toBe(52_428_800);
    expect(parseBytes('2GiB')).toBe(2_147_483_648);
    expect(parseBytes('1TiB')).toBe(1024 ** 4);
  });

  it('case and spaces do not matter; fractions are rounded to whole bytes', () => {
    expect(parseBytes('500 mb')).toBe(500_000_000);
    expect(parseBytes('500 MB')).toBe(500_000_000);
    expect(parseBytes('10mib')).toBe(10_485_760);
    expect(parseBytes('1.5GB')).toBe(1_500_000_000);
    expect(parseBytes('1.5KiB')).toBe(1536);
    expect(parseBytes('0.0001kB')).toBe(0);
  });

  it('anything else is refused with a usable message', () => {
    for (const bad of ['', 'lots', '-5MB', '5M', '5 MiBs', '5iB', '1e6', 'MB', '5 PB', '5,000MB']) {
      expect(() => parseBytes(bad), bad).toThrow(InvalidArgumentError);
      expect(() => parseBytes(bad), bad).toThrow(`expected a size such as 500MB or 2GB, got "${bad}"`);
    }
  });
});

describe('the options that take a size', () => {
  const command = (name: string) => program.commands.find((c) => c.name() === name)!;

  it('--budget and --bloat-min-bytes say which units are which', () => {
    for (const [name, option] of [
      ['advise', '--budget'],
      ['audit', '--bloat-min-bytes'],
    ] as const) {
      const help = command(name).helpInformation().replace(/\s+/g, ' ');
      const text = help.slice(help.indexOf(option));
      expect(text, option).toMatch(
        /^--[a-z-]+ <size> [^-]*kB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: powers of 1024; a plain number: bytes/,
      );
    }
  });

  it('--bloat-min-bytes defaults to 10 MB (10^7 bytes, the unit reports print) and says so', () => {
    expect(command('audit').getOptionValue('bloatMinBytes')).toBe(10_000_000);
    expect(command('audit').helpInformation().replace(/\s+/g, ' ')).toMatch(/--bloat-min-bytes <size> .*\(default: 10MB\)/);
  });
});
