#!/usr/bin/python3
"""Receivers for the alert channels' tests: they record what probed sends.

  pd_alert_sink.py http --mode webhook|wecom|dingtalk --log FILE
                        --port-file FILE [--listen ADDR] [--port N]
                        [--secret S] [--fail-first N] [--max-seconds S]
  pd_alert_sink.py smtp --dir DIR --port-file FILE --cert PEM --key PEM
                        --user U --password P [--listen ADDR] [--port N]
                        [--max-seconds S]

http: an HTTP server that appends one JSON line per POST to FILE (path,
query, headers, body, status answered, when it arrived in ns since the
epoch, and for dingtalk whether the signature held). Answers: webhook 200 "ok"; wecom and dingtalk 200
{"errcode":0,"errmsg":"ok"}. With --secret, dingtalk checks timestamp and
sign (HMAC-SHA256 of "<ms>\\n<secret>", base64) and answers errcode 310000
when they are wrong or missing. --fail-first N answers 500 to the first N
requests.

smtp: an SMTP server (aiosmtpd, Debian's python3-aiosmtpd) that offers
STARTTLS with the given certificate and requires it, then AUTH PLAIN or
LOGIN with the given user and password, and writes each message as
DIR/NNN.eml with DIR/NNN.json beside it (envelope, TLS, user).

Both listen on a loopback address (127.0.0.1 unless --listen), on --port
or else a port the system picks (a receiver stopped and started again
takes the same port), which they write to --port-file once they accept
connections, and stop after --max-seconds (default 60): a test that dies
never leaves one behind for long. Standard library only, but aiosmtpd.
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

ROBOT_OK = b'{"errcode":0,"errmsg":"ok"}'
ROBOT_BAD_SIGN = b'{"errcode":310000,"errmsg":"sign not match, more: [test sink]"}'


def loopback(addr):
    if not ipaddress.ip_address(addr).is_loopback:
        sys.exit("pd_alert_sink: %s is not a loopback address" % addr)
    return addr


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def dingtalk_sign_ok(query, secret):
    ts = query.get("timestamp", [""])[0]
    sign = query.get("sign", [""])[0]  # parse_qs has URL-decoded it
    if not ts.isdigit() or not sign:
        return False
    if abs(int(ts) - time.time() * 1000) > 3600 * 1000:
        return False
    text = ("%s\n%s" % (ts, secret)).encode()
    want = base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(want, sign)


def run_http(args):
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length > 0 else b""
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            state["seen"] += 1
            sign_ok = None
            if state["seen"] <= args.fail_first:
                status, reply = 500, b"sink: failing on purpose"
            elif args.mode == "webhook":
                status, reply = 200, b"ok"
            elif args.mode == "dingtalk" and args.secret is not None:
                sign_ok = dingtalk_sign_ok(query, args.secret)
                status, reply = 200, ROBOT_OK if sign_ok else ROBOT_BAD_SIGN
            else:
                status, reply = 200, ROBOT_OK
            record = {
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "body_is_utf8": _is_utf8(body),
                "status": status,
                "received_ns": time.time_ns(),
                "sign_ok": sign_ok,
            }
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.send_response(status)
            self.send_header("Content-Type",
                             "application/json" if reply.startswith(b"{") else "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = HTTPServer((loopback(args.listen), args.port), Handler)
    server.timeout = 0.2
    write_port(args.port_file, server.server_address[1])
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        server.handle_request()
    server.server_close()


def _is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def run_smtp(args):
    import asyncio
    import ssl

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    os.makedirs(args.dir, exist_ok=True)
    state = {"n": 0}

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            state["n"] += 1
            base = os.path.join(args.dir, "%03d" % state["n"])
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "user": (session.auth_data.login.decode()
                         if isinstance(session.auth_data, LoginPassword) else None),
                "authenticated": bool(session.authenticated),
            }
            with open(base + ".json", "w") as f:
                json.dump(meta, f)
            os.replace(base + ".eml.tmp", base + ".eml")
            return "250 OK"

    def factory():
        return SMTP(Handler(), hostname="sink.test", tls_context=ctx, require_starttls=True,
                    auth_required=True, auth_require_tls=True, authenticator=authenticator)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, loopback(args.listen), args.port,
                                          reuse_address=True)
        write_port(args.port_file, server.sockets[0].getsockname()[1])
        await asyncio.sleep(args.max_seconds)
        server.close()

    asyncio.run(main())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    h = sub.add_parser("http")
    h.add_argument("--mode", choices=["webhook", "wecom", "dingtalk"], required=True)
    h.add_argument("--log", required=True)
    h.add_argument("--secret")
    h.add_argument("--fail-first", type=int, default=0)
    s = sub.add_parser("smtp")
    s.add_argument("--dir", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--password", required=True)
    for p in (h, s):
        p.add_argument("--listen", default="127.0.0.1")
        p.add_argument("--port-file", required=True)
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--max-seconds", type=float, default=60)
    args = ap.parse_args()
    if args.kind == "http":
        run_http(args)
    else:
        run_smtp(args)


if __name__ == "__main__":
    main()
