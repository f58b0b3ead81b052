#!/usr/bin/env python3
"""showmail.py: print a captured mail as its reader would see it: the main
headers, the text part decoded, and each attachment's name, type, size and
SHA-256. Used by run-demo.sh.
    showmail.py FILE [HEADER...]   (print only those headers' values)"""
import email
import email.policy
import hashlib
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
if len(sys.argv) > 2:
    for name in sys.argv[2:]:
        print(msg.get(name, ""))
    sys.exit(0)
for name in ("From", "To", "Cc", "Reply-To", "Subject", "Auto-Submitted"):
    if msg.get(name):
        print(f"{name}: {msg[name]}")
text = msg.get_body(preferencelist=("plain",))
print()
print(text.get_content().rstrip() if text else "(no text part)")
for part in msg.iter_attachments():
    data = part.get_payload(decode=True) or b""
    print(f"[attachment: {part.get_filename()} ({part.get_content_type()}, {len(data)} bytes,"
          f" sha256 {hashlib.sha256(data).hexdigest()[:16]}...)]")
