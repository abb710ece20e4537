/**
 * tbl tables (`.TS` … `.TE`) as text: the options and format lines are skipped, each data row
 * becomes one line with cells joined by " | ", and `T{ … T}` text blocks are folded into their cell.
 */
export class RoffTable {
  #phase: 'options' | 'format' | 'data' = 'options';
  #tab = '\t';
  #row: string[] = [];
  #block: string[] | undefined; // lines of an open T{ block
  readonly rows: string[] = [];

  constructor(private readonly decode: (s: string) => string) {}

  /** One input line inside the table (requests other than `.T&` never reach here). */
  line(line: string): void {
    if (this.#phase === 'options') {
      this.#phase = 'format';
      if (/;\s*$/.test(line)) {
        const tab = /\btab\s*\((.)\)/.exec(line);
        if (tab) this.#tab = tab[1]!;
        return;
      }
    }
    if (this.#phase === 'format') {
      if (/\.\s*$/.test(line)) this.#phase = 'data';
      return;
    }
    if (this.#block) {
      if (!line.startsWith('T}')) {
        this.#block.push(this.decode(line).trim());
        return;
      }
      this.#row.push(this.#block.filter((l) => l !== '').join(' '));
      this.#block = undefined;
      this.#cells(line.slice(2).split(this.#tab).slice(1));
      return;
    }
    if (/^\s*[_=]\s*$/.test(line)) return;
    this.#cells(line.split(this.#tab));
  }

  /** Text produced by a request inside a `T{` block (e.g. `.B word`). */
  blockText(text: string): void {
    this.#block?.push(text);
  }

  /** `.T&`: a new format section follows. */
  restartFormat(): void {
    this.#phase = 'format';
  }

  #cells(cells: string[]): void {
    for (const cell of cells) {
      if (cell.trim() === 'T{') {
        this.#block = [];
        return; // the row goes on after T}
      }
      this.#row.push(this.decode(cell).trim());
    }
    this.#endRow();
  }

  #endRow(): void {
    const row = this.#row.filter((c) => c !== '' && !/^[_=]$/.test(c)).join(' | ');
    if (row !== '') this.rows.push(row);
    this.#row = [];
  }

  /** `.TE`: close any open block and return the rows. */
  end(): string[] {
    if (this.#block) this.#row.push(this.#block.join(' '));
    if (this.#row.length > 0) this.#endRow();
    return this.rows;
  }
}
