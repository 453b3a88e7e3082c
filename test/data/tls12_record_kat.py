#!/usr/bin/env python3
"""Prints the TLS 1.2 AEAD record known answers of record_test.

Written from RFC 5246 section 6.2.3.3 (additional data), RFC 5288 section 3
(AES-GCM nonce: 4-byte salt from the key block, 8-byte explicit part sent in
the record) and RFC 7905 section 2 (ChaCha20-Poly1305 nonce: the 12-byte IV
XORed with the left-padded sequence number), with the AEADs of Python's
`cryptography` package, so that the C++ code is checked against a separate
construction. Run: python3 test/data/tls12_record_kat.py
"""
import struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305


def record(aead, iv, explicit, seq, ctype, content):
    ad = struct.pack(">QBHH", seq, ctype, 0x0303, len(content))
    if explicit:
        nonce_explicit = struct.pack(">Q", seq)
        nonce = iv + nonce_explicit
        payload = nonce_explicit + aead.encrypt(nonce, content, ad)
    else:
        padded = b"\0" * 4 + struct.pack(">Q", seq)
        nonce = bytes(a ^ b for a, b in zip(iv, padded))
        payload = aead.encrypt(nonce, content, ad)
    return struct.pack(">BHH", ctype, 0x0303, len(payload)) + payload


cases = [
    ("aes_128_gcm", AESGCM, bytes(range(16)), bytes.fromhex("a0a1a2a3"), True),
    ("aes_256_gcm", AESGCM, bytes(range(32)), bytes.fromhex("b0b1b2b3"), True),
    ("chacha20_poly1305", ChaCha20Poly1305, bytes(range(32)),
     bytes.fromhex("c0c1c2c3c4c5c6c7c8c9cacb"), False),
]
contents = [
    (0, 22, bytes.fromhex("1400000c") + bytes(range(0x40, 0x4c))),  # a Finished
    (1, 23, b"GET / HTTP/1.1\r\n\r\n"),
    (2, 21, bytes.fromhex("0100")),                                  # close_notify
    (3, 23, b""),
]
for name, cls, key, iv, explicit in cases:
    aead = cls(key)
    for seq, ctype, content in contents:
        print(name, key.hex(), iv.hex(), seq, ctype, content.hex() or "-",
              record(aead, iv, explicit, seq, ctype, content).hex())
