"""国密 (Chinese commercial cryptography): SM3 hashes, SM4 field encryption, SM2 signatures."""
