/* Z85 (RFC 32) through zmq_z85_encode / zmq_z85_decode: the RFC vector, a CURVE-key-
 * sized round trip, exact output sizes, and EINVAL for bad lengths and characters. */
#include <zmq.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__,    \
                     what, #cond);                                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

#define SENTINEL 0x7F

static void rfc32_vector (void)
{
    const uint8_t bin[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[16];
    memset (text, SENTINEL, sizeof text);
    CHECK (zmq_z85_encode (text, bin, sizeof bin) == text,
           "encode returns dest");
    CHECK (strcmp (text, "HelloWorld") == 0, "RFC 32 vector encodes to HelloWorld");
    CHECK (text[11] == SENTINEL, "encode writes size*5/4+1 bytes, no more");

    uint8_t back[16];
    memset (back, SENTINEL, sizeof back);
    CHECK (zmq_z85_decode (back, "HelloWorld") == back, "decode returns dest");
    CHECK (memcmp (back, bin, sizeof bin) == 0, "HelloWorld decodes to the RFC bytes");
    CHECK (back[8] == SENTINEL, "decode writes strlen*4/5 bytes, no more");
}

static void curve_key_round_trip (void)
{
    /* The public key from zmq_curve(7)'s example, and 32 arbitrary bytes. */
    const char *key_text = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    uint8_t key[32];
    char text[41];
    CHECK (zmq_z85_decode (key, key_text) == key, "a 40-char key decodes");
    CHECK (zmq_z85_encode (text, key, 32) == text, "a 32-byte key encodes");
    CHECK (strcmp (text, key_text) == 0, "key text survives decode+encode");

    uint8_t bytes[32];
    for (int i = 0; i < 32; i++)
        bytes[i] = (uint8_t) (i * 37 + 11);
    bytes[0] = 0x00;
    bytes[31] = 0xFF;
    memset (text, SENTINEL, sizeof text);
    CHECK (zmq_z85_encode (text, bytes, 32) != NULL, "32 bytes encode");
    CHECK (strlen (text) == 40, "32 bytes encode to 40 characters");
    uint8_t back[32];
    CHECK (zmq_z85_decode (back, text) != NULL, "the encoding decodes");
    CHECK (memcmp (back, bytes, 32) == 0, "32 bytes survive encode+decode");
}

static void edge_values (void)
{
    char text[8];
    const uint8_t any[4] = {1, 2, 3, 4};
    memset (text, SENTINEL, sizeof text);
    CHECK (zmq_z85_encode (text, any, 0) == text, "size 0 encodes");
    CHECK (text[0] == '\0' && text[1] == SENTINEL, "size 0 writes just the NUL");

    uint8_t out[4];
    CHECK (zmq_z85_decode (out, "%nSc0") == out, "the largest group decodes");
    CHECK (out[0] == 0xFF && out[1] == 0xFF && out[2] == 0xFF && out[3] == 0xFF,
           "%nSc0 is 0xFFFFFFFF");
    CHECK (zmq_z85_decode (out, "00000") == out && out[0] == 0 && out[3] == 0,
           "00000 is zero");
}

static void bad_input_is_einval (void)
{
    char text[16];
    uint8_t out[16];
    const uint8_t bytes[8] = {0};
    const size_t bad_sizes[] = {1, 2, 3, 5, 7};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        errno = 0;
        CHECK (zmq_z85_encode (text, bytes, bad_sizes[i]) == NULL,
               "encode rejects a size that is not a multiple of 4");
        CHECK (errno == EINVAL, "encode bad size sets EINVAL");
    }

    const char *bad_texts[] = {
      "",            /* empty */
      "Hell",        /* 4 chars */
      "HelloWorl",   /* 9 chars */
      "Hell\"",      /* '"' is not in the alphabet */
      "Hell ",       /* nor is space */
      "Hell~",       /* nor '~' */
      "Hell\x80",    /* nor bytes above 127 */
      "#####",       /* 85^5-1 does not fit in 32 bits */
      "%nSc1",       /* 2^32 exactly */
      "HelloWorl,",  /* bad character in the second group */
    };
    for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
        errno = 0;
        CHECK (zmq_z85_decode (out, bad_texts[i]) == NULL,
               "decode rejects bad length, character or value");
        CHECK (errno == EINVAL, "decode of bad text sets EINVAL");
    }
}

int main (void)
{
    rfc32_vector ();
    curve_key_round_trip ();
    edge_values ();
    bad_input_is_einval ();
    return 0;
}
