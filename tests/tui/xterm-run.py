#!/usr/bin/env python3
# xterm-run.py: run a command in a pseudo-terminal of a given size, send it a
# scripted list of keys, record every byte it writes (for tests/tui/xterm.sh,
# which renders them with xterm.js through tests/tui/xterm-render.js).
#
#   xterm-run.py COLS ROWS OUT MARKS ACTION... -- CMD [ARG...]
#
# CMD runs in a new pty (its controlling terminal) of COLS x ROWS with
# TERM=xterm-256color and LC_ALL=C.UTF-8 unless the environment sets them.
# The actions, in order:
#   wait=TEXT      wait (20 s at most) until TEXT (UTF-8) shows in the output
#                  written since the last key, then until it is quiet
#   settle         wait for output since the last key or resize, then until
#                  it is quiet for 0.4 s (10 s at most)
#   sleep=SECS     pause
#   resize=CxR     TIOCSWINSZ on the pty (the kernel signals the foreground
#                  group) and SIGWINCH to CMD's process group
#   KEY            Up Down Left Right Enter Escape Tab F1..F4 Space, or the
#                  literal text (q, y, ...); arrows follow the keypad mode
#                  the program set (ESC O B in application mode, as
#                  xterm.js sends them)
# Every byte CMD writes goes to OUT; MARKS gets one line per key or resize,
# "OFFSET key NAME" or "OFFSET resize C R", OFFSET the bytes written before
# it, and "OFFSET end" at the end. Ends when CMD ends (after the actions;
# 20 s at most), printing "exit N" (128+N for a signal, "exit timeout" when
# it had to be killed). Exit status 0, or 1 when a wait timed out.
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

KEYS = {
    "Enter": b"\r", "Escape": b"\x1b", "Tab": b"\t", "Space": b" ",
    "F1": b"\x1bOP", "F2": b"\x1bOQ", "F3": b"\x1bOR", "F4": b"\x1bOS",
    "BSpace": b"\x7f", "Home": b"\x1b[H", "End": b"\x1b[F",
    "PageUp": b"\x1b[5~", "PageDown": b"\x1b[6~",
}
ARROWS = {"Up": b"A", "Down": b"B", "Right": b"C", "Left": b"D"}


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Run:
    """The pty, the child and everything it wrote so far."""

    def __init__(self, fd, pid, out):
        self.fd, self.pid, self.out = fd, pid, out
        self.data = bytearray()
        self.eof = False

    def pump(self, timeout):
        """Read what the child wrote within timeout; False when nothing."""
        if self.eof:
            time.sleep(timeout)
            return False
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.data += chunk
        self.out.write(chunk)
        self.out.flush()
        return True

    def settle(self, start=None, quiet=0.4, limit=10.0):
        """Wait for output past start (when given), then for quiet."""
        end = time.monotonic() + limit
        while start is not None and len(self.data) <= start:
            if time.monotonic() >= end or self.eof:
                return
            self.pump(0.1)
        while time.monotonic() < end and self.pump(quiet):
            pass

    def wait_for(self, text, start, limit=20.0):
        end = time.monotonic() + limit
        while text not in self.data[start:]:
            if time.monotonic() >= end or self.eof:
                return False
            self.pump(0.1)
        self.settle()
        return True

    def app_cursor(self):
        """Whether the last DECCKM the program sent set application mode."""
        on = self.data.rfind(b"\x1b[?1h")
        off = self.data.rfind(b"\x1b[?1l")
        return on > off


def main(argv):
    try:
        sep = argv.index("--")
        cols, rows = int(argv[1]), int(argv[2])
        out_path, marks_path = argv[3], argv[4]
    except (ValueError, IndexError):
        sys.stderr.write(
            "usage: xterm-run.py COLS ROWS OUT MARKS ACTION... -- CMD...\n")
        return 2
    actions, cmd = argv[5:sep], argv[sep + 1:]
    env = dict(os.environ)
    env.setdefault("TERM", "xterm-256color")
    env.setdefault("LC_ALL", "C.UTF-8")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            set_size(0, cols, rows)
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    set_size(fd, cols, rows)
    failed = False
    with open(out_path, "wb") as out, open(marks_path, "w") as marks:
        run = Run(fd, pid, out)
        since = 0
        for act in actions:
            if act.startswith("wait="):
                if not run.wait_for(act[5:].encode(), since):
                    sys.stderr.write("timed out waiting for: %s\n" % act[5:])
                    failed = True
            elif act == "settle":
                run.settle(since)
            elif act.startswith("sleep="):
                run.pump(0)
                time.sleep(float(act[6:]))
            elif act.startswith("resize="):
                c, r = (int(v) for v in act[7:].split("x"))
                run.settle(None, 0.1, 1)
                marks.write("%d resize %d %d\n" % (len(run.data), c, r))
                set_size(fd, c, r)
                try:
                    os.killpg(pid, signal.SIGWINCH)
                except OSError:
                    pass
                since = len(run.data)
            else:
                if act in ARROWS:
                    lead = b"\x1bO" if run.app_cursor() else b"\x1b["
                    seq = lead + ARROWS[act]
                else:
                    seq = KEYS.get(act, act.encode())
                marks.write("%d key %s\n" % (len(run.data), act))
                os.write(fd, seq)
                since = len(run.data)
        # drain until the child ends
        end = time.monotonic() + 20
        status = None
        while status is None:
            run.pump(0.1)
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                while run.pump(0.05):
                    pass
            elif time.monotonic() >= end:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = "timeout"
        marks.write("%d end\n" % len(run.data))
    if status == "timeout":
        print("exit timeout")
    elif os.WIFSIGNALED(status):
        print("exit %d" % (128 + os.WTERMSIG(status)))
    else:
        print("exit %d" % os.WEXITSTATUS(status))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
