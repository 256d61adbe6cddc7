package failedcheckins

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP minimum (19 MiB, two passes, one lane),
// chosen so that a small server can check many sign-ins (and Basic-auth
// requests) without running out of memory. They are stored in every hash,
// so raising them later keeps old hashes valid.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MaxPasswordLength bounds the work one sign-in can cause.
const MaxPasswordLength = 1024

// dummyPasswordHash is checked when a sign-in names an unknown user, so that
// the answer takes as long as for a known one and reveals nothing. Its
// password is random and unknown; a test checks its parameters match.
const dummyPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$peYtQR8JvlKAtEh1Ms45/w$EsJHP57102VRUmf+odJBKk9m3Z6pQnAz3cUNBI2dozc"

// HashPassword returns an argon2id hash of password in PHC string form
// ($argon2id$v=19$m=...,t=...,p=...$salt$key). An empty or overlong
// password is an ErrInvalid error.
func HashPassword(password string) (string, error) {
	if password == "" || len(password) > MaxPasswordLength {
		return "", Errorf(ErrInvalid, "password: must be 1 to %d bytes long", MaxPasswordLength)
	}
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, comparing in
// constant time. A malformed hash never matches.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPasswordLength {
		return false
	}
	p, salt, key, ok := parseArgon2id(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// CheckUserPassword checks the password of u, or of a dummy hash when u is
// nil (no such user), so that both cases cost the same time.
func CheckUserPassword(u *User, password string) bool {
	if u == nil {
		CheckPassword(dummyPasswordHash, password)
		return false
	}
	return CheckPassword(u.PasswordHash, password)
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func parseArgon2id(hash string) (p argonParams, salt, key []byte, ok bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, false
	}
	// Refuse absurd parameters from a tampered row instead of exhausting memory.
	if p.memory == 0 || p.memory > 1<<21 || p.time == 0 || p.time > 16 || p.threads == 0 {
		return p, nil, nil, false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || len(salt) < 8 {
		return p, nil, nil, false
	}
	return p, salt, key, true
}
