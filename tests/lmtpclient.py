#!/usr/bin/env python3
# lmtpclient.py: an LMTP client for tests/db_lmtp.sh. ADDR is a Unix
# socket's path (starting with '/') or HOST:PORT. Every wait is bounded
# (--timeout seconds, default 30).
#   send ADDR FROM RCPT[,RCPT...] FILE...  one connection, one transaction
#       per FILE (its recipients each), as Postfix's lmtp(8): prints
#       "RCPT CODE TEXT" per recipient reply, and "MAIL CODE ..." or
#       "RCPT ..." when a command is refused; QUIT at the end
#   raw ADDR            send stdin in one write, print every reply line until
#                       the server closes (or the timeout)
#   stall ADDR SECONDS [TEXT]  send TEXT (default: LHLO, MAIL, RCPT, DATA
#                       and half a message), then nothing: prints what the
#                       server said and after how long it closed the
#                       connection (waiting at most SECONDS)
import re
import smtplib
import socket
import sys
import time

timeout = 30.0
args = sys.argv[1:]
if args[:1] == ['--timeout']:
    timeout = float(args[1])
    args = args[2:]


def connect(addr):
    if addr.startswith('/'):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(':', 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    s.settimeout(timeout)
    return s


def lines_of(s):
    """Every reply line until the server closes or the timeout."""
    buf = b''
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return buf.decode('utf-8', 'replace').splitlines()


def send(addr, sender, rcpts, files):
    if addr.startswith('/'):
        c = smtplib.LMTP(addr, timeout=timeout)
    else:
        host, port = addr.rsplit(':', 1)
        c = smtplib.LMTP(host, int(port), timeout=timeout)
    c.ehlo()
    for name in files:
        with open(name, 'rb') as fh:
            data = fh.read()
        code, text = c.mail(sender)
        if code != 250:
            print('MAIL %d %s' % (code, text.decode()))
            c.rset()
            continue
        accepted = []
        for r in rcpts:
            code, text = c.rcpt(r)
            if code == 250:
                accepted.append(r)
            else:
                print('%s %d %s' % (r, code, text.decode()))
        if not accepted:
            c.rset()
            continue
        c.putcmd('data')
        code, text = c.getreply()
        if code != 354:
            print('DATA %d %s' % (code, text.decode()))
            continue
        q = re.sub(rb'(?m)^\.', b'..', re.sub(rb'\r?\n', b'\r\n', data))
        if not q.endswith(b'\r\n'):
            q += b'\r\n'
        c.send(q + b'.\r\n')
        for r in accepted:
            code, text = c.getreply()
            print('%s %d %s' % (r, code, text.decode()))
    c.quit()


def stall(addr, seconds, text):
    s = connect(addr)
    t0 = time.monotonic()
    if text is None:
        s.sendall(b'LHLO test\r\nMAIL FROM:<c@example.net>\r\nRCPT TO:<support@example.org>\r\nDATA\r\n')
        time.sleep(0.5)
        s.sendall(b'Subject: half\r\n\r\nhalf a mes')
    else:
        s.sendall(text.encode().replace(b'\\r\\n', b'\r\n'))
    print('sent', flush=True)
    s.settimeout(seconds)
    got = lines_of(s)
    for line in got:
        print(line)
    print('closed after %.1f s' % (time.monotonic() - t0))


def main():
    mode = args[0]
    if mode == 'send':
        send(args[1], args[2], args[3].split(','), args[4:])
    elif mode == 'raw':
        s = connect(args[1])
        s.sendall(sys.stdin.buffer.read())
        for line in lines_of(s):
            print(line)
    elif mode == 'stall':
        stall(args[1], float(args[2]), args[3] if len(args) > 3 else None)
    else:
        sys.exit('usage: lmtpclient.py [--timeout S] send|raw|stall ...')


main()
