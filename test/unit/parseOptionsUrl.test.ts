import { describe, expect, it } from 'vitest';
import { checkUrl } from '../../src/cli/parseOptions.js';

describe('checkUrl', () => {
  it('takes postgres:// and postgresql:// URLs, with or without a host', () => {
    for (const url of ['postgresql://u@db:5432/app', 'postgres://u:secret@db/app', 'postgresql:///app?host=/var/run/postgresql']) {
      expect(() => checkUrl('--db', url)).not.toThrow();
    }
  });

  it('says what is wrong, never repeating the value (it may hold a password)', () => {
    expect(() => checkUrl('--db', 'not a url')).toThrow(/^--db: not a connection URL; expected postgresql:\/\/user@host:5432\/dbname/);
    expect(() => checkUrl('--db', 'mysql://u:hunter2@db/app')).toThrow(/not a connection URL/);
    expect(() => checkUrl('--db', 'mysql://u:hunter2@db/app')).not.toThrow(/hunter2/);
    expect(() => checkUrl('--db', undefined)).toThrow(/no connection URL given/);
  });
});
