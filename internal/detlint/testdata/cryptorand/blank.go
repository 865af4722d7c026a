package cryptorand

import _ "crypto/rand"
