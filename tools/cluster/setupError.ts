/** Setup cannot go on; the message says what to run to fix it. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}
