// xterm-render.js: render a recorded terminal byte stream with the real
// xterm.js emulator (@xterm/headless) and print the screens (for
// tests/tui/xterm.sh; tests/tui/xterm-run.py records the stream).
//
//   node xterm-render.js MODULEDIR COLS ROWS OUT [MARKS [--each]]
//
// MODULEDIR is where `npm install --prefix` put node_modules. OUT is fed to
// a Terminal of COLS x ROWS in chunks, each write awaited. At every line of
// MARKS ("OFFSET key NAME", "OFFSET resize C R", "OFFSET end") the stream
// up to OFFSET has been written; a resize calls term.resize there (as
// xterm.js does when the browser window changes). The final screen is
// printed after "=== end"; with --each also the screen before every key
// and resize ("=== before key Down", "=== before resize 100 30", with the
// byte offset). A screen is:
//   buffer: normal|alternate   (buffer.active.type)
//   cursor: visible|hidden     (DECRQM ?25, answered by the emulator)
//   size: COLSxROWS
//   colour cells: N            (cells whose foreground is not the default)
//   lines: ─│┌┐└┘...           (the box-drawing characters on the screen)
//   | LINE                     (each row, translateToString(true))
'use strict';

const fs = require('fs');
const path = require('path');

const [moduleDir, cols, rows, outPath, marksPath, flag] = process.argv.slice(2);
if (!outPath) {
	process.stderr.write(
		'usage: xterm-render.js MODULEDIR COLS ROWS OUT [MARKS [--each]]\n');
	process.exit(2);
}
const { Terminal } = require(path.join(moduleDir, 'node_modules', '@xterm',
	'headless'));
const term = new Terminal({
	cols: Number(cols), rows: Number(rows), allowProposedApi: true,
	scrollback: 0,
});
const data = fs.readFileSync(outPath);
const marks = marksPath ?
	fs.readFileSync(marksPath, 'utf8').split('\n').filter(Boolean)
		.map((l) => l.split(' ')) : [];
const each = flag === '--each';

// What the emulator answers (the DECRQM reply) arrives through onData.
let reply = '';
term.onData((d) => { reply += d; });

function write(chunk) {
	return new Promise((resolve) => term.write(chunk, resolve));
}

// Write data[from, to) in chunks of 4 KiB, each awaited.
async function feed(from, to) {
	for (let i = from; i < to; i += 4096)
		await write(data.subarray(i, Math.min(to, i + 4096)));
}

// Ask the emulator whether the cursor shows (DECRQM ?25: 1 set, 2 reset).
async function cursorVisible() {
	reply = '';
	await write('\x1b[?25$p');
	const m = /\x1b\[\?25;(\d)\$y/.exec(reply);
	if (!m)
		return 'unknown';
	return m[1] === '1' ? 'visible' : 'hidden';
}

async function screen(title) {
	const buf = term.buffer.active;
	const cell = buf.getNullCell();
	const lines = [];
	const boxes = new Set();
	let coloured = 0;
	for (let y = 0; y < term.rows; y++) {
		const line = buf.getLine(buf.viewportY + y);
		if (!line) {
			lines.push('');
			continue;
		}
		for (let x = 0; x < term.cols; x++) {
			line.getCell(x, cell);
			if (!cell.isFgDefault())
				coloured++;
			const ch = cell.getChars();
			if (ch >= '\u2500' && ch <= '\u257f')
				boxes.add(ch);
		}
		lines.push(line.translateToString(true));
	}
	const out = [`=== ${title}`, `buffer: ${buf.type}`,
		`cursor: ${await cursorVisible()}`,
		`size: ${term.cols}x${term.rows}`, `colour cells: ${coloured}`,
		`lines: ${[...boxes].sort().join('')}`];
	for (const l of lines)
		out.push(`| ${l}`);
	process.stdout.write(out.join('\n') + '\n');
}

async function main() {
	let at = 0;
	for (const [off, what, ...rest] of marks) {
		const to = Math.min(Number(off), data.length);
		await feed(at, to);
		at = to;
		if (what === 'end')
			break;
		if (each)
			await screen(`before ${what} ${rest.join(' ')} at ${to}`);
		if (what === 'resize')
			term.resize(Number(rest[0]), Number(rest[1]));
	}
	await feed(at, data.length);
	await screen('end');
}

main().catch((e) => {
	process.stderr.write(`xterm-render.js: ${e.stack || e}\n`);
	process.exit(1);
});
