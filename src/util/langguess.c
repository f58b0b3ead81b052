/* langguess.c: guessing a text's language with libexttextcat, among the
 * languages allowed and with a confidence rule (see langguess.h). */
#include <glib.h>
#include <stdbool.h>
#include <string.h>
#include <textcat.h>

#include "langguess.h"
#include "log.h"

#ifndef POSTDESK_FINGERPRINT_DIR
#define POSTDESK_FINGERPRINT_DIR "/usr/share/libexttextcat"
#endif

/* A longer word is no word of a language. */
#define LANGGUESS_WORD_MAX 64

struct langguess {
	char *conf;		/* DIR/fpdb.conf */
	char *prefix;		/* DIR/, what its file names are relative to */
	void *textcat;		/* libexttextcat's handle: every language of fpdb.conf */
	bool tried;		/* loading was tried (textcat NULL: it failed) */
};

/* Languages whose fingerprints are close to an allowed one's, and whose
 * readers read it: used only when they are not allowed themselves. */
static const struct {
	const char *tag, *as;
} langguess_aliases[] = {
	{ "id", "ms" },		/* Indonesian and Malay: one language, two standards */
	{ "ms", "id" },
	{ "sco", "en" },	/* Scots: short English texts often score as it */
};

struct langguess *langguess_new(const char *dir, struct fault *f)
{
	struct langguess *g;
	char *conf;

	if (dir == NULL)
		dir = POSTDESK_FINGERPRINT_DIR;
	conf = g_build_filename(dir, "fpdb.conf", NULL);
	if (!g_file_test(conf, G_FILE_TEST_IS_REGULAR)) {
		fault_perm(f, "%s: no such file (the language fingerprints of libexttextcat-data)", conf);
		g_free(conf);
		return NULL;
	}
	g = g_new0(struct langguess, 1);
	g->conf = conf;
	g->prefix = g_strconcat(dir, G_DIR_SEPARATOR_S, NULL);
	return g;
}

/* Whether every fingerprint file fpdb.conf lists is there (the library
 * leaks what it loaded before one that is not); f names the first missing. */
static int langguess_check(const struct langguess *g, struct fault *f)
{
	char *text = NULL, **lines;
	int i, ret = 0;

	if (!g_file_get_contents(g->conf, &text, NULL, NULL))
		return fault_perm(f, "%s: cannot be read", g->conf);
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL && ret == 0; i++) {
		char *line = g_strstrip(lines[i]), *lm;

		line[strcspn(line, "#")] = '\0';
		line[strcspn(line, " \t")] = '\0';
		if (*line == '\0')
			continue;
		lm = g_strconcat(g->prefix, line, NULL);
		if (!g_file_test(lm, G_FILE_TEST_IS_REGULAR))
			ret = fault_perm(f, "%s: it lists %s, which is missing", g->conf, lm);
		g_free(lm);
	}
	g_strfreev(lines);
	g_free(text);
	return ret;
}

int langguess_load(struct langguess *g, struct fault *f)
{
	if (!g->tried) {
		g->tried = true;
		if (langguess_check(g, f) < 0)
			return -1;
		g->textcat = special_textcat_Init(g->conf, g->prefix);
	}
	if (g->textcat == NULL)
		return fault_perm(f, "%s: the fingerprints it lists could not be read", g->conf);
	return 0;
}

void langguess_free(struct langguess **g)
{
	if (*g == NULL)
		return;
	if ((*g)->textcat != NULL)
		textcat_Done((*g)->textcat);
	g_free((*g)->conf);
	g_free((*g)->prefix);
	g_free(*g);
	*g = NULL;
}

/* Whether a word is worth comparing: valid UTF-8, no address or URL, not
 * longer than LANGGUESS_WORD_MAX bytes (base64, a token), at least half
 * letters; *letters_r counts its letters. */
static gboolean langguess_word(const char *w, size_t len, size_t *letters_r)
{
	const char *p, *end = w + len;
	size_t chars = 0, letters = 0;

	*letters_r = 0;
	if (len > LANGGUESS_WORD_MAX || !g_utf8_validate(w, (gssize)len, NULL) || memchr(w, '@', len) != NULL ||
	    g_strstr_len(w, (gssize)len, "://") != NULL || (len >= 4 && g_ascii_strncasecmp(w, "www.", 4) == 0))
		return FALSE;
	for (p = w; p < end; p = g_utf8_next_char(p)) {
		chars++;
		if (g_unichar_isalpha(g_utf8_get_char(p)))
			letters++;
	}
	*letters_r = letters;
	return letters > 0 && letters * 2 >= chars;
}

/* The words of one line worth comparing, appended to out with a space
 * after each; returns their letters. */
static size_t langguess_line(const char *line, size_t len, GString *out)
{
	size_t i = 0, letters = 0;

	while (i < len && out->len < LANGGUESS_TEXT_MAX) {
		size_t start, n;

		while (i < len && (unsigned char)line[i] <= ' ')
			i++;
		start = i;
		while (i < len && (unsigned char)line[i] > ' ')
			i++;
		if (i > start && langguess_word(line + start, i - start, &n)) {
			g_string_append_len(out, line + start, (gssize)(i - start));
			g_string_append_c(out, ' ');
			letters += n;
		}
	}
	return letters;
}

/* The text to compare, into out: the words of the first LANGGUESS_SCAN_MAX
 * bytes, without quoted lines and the signature, up to LANGGUESS_TEXT_MAX
 * bytes. Returns the letters kept. */
static size_t langguess_clean(const char *text, GString *out)
{
	const char *p = text, *end = text + strnlen(text, LANGGUESS_SCAN_MAX);
	size_t letters = 0;

	while (p < end && out->len < LANGGUESS_TEXT_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		const char *s = p;
		size_t len;

		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		len = (size_t)(eol - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if ((len == 2 || len == 3) && strncmp(s, "-- ", len) == 0 && s == p)
			break;	/* the signature */
		if (*s != '>')
			letters += langguess_line(s, len, out);
		p = nl ? nl + 1 : end;
	}
	return letters;
}

/* The entry of allowed for a tag: the same tag, else one with it as its
 * primary subtag ("pt" for "pt-br"); NULL when none. */
static const char *langguess_find(const char *tag, const char *const *allowed)
{
	size_t n = strlen(tag);
	int i;

	for (i = 0; allowed[i] != NULL; i++)
		if (g_ascii_strcasecmp(allowed[i], tag) == 0)
			return allowed[i];
	for (i = 0; allowed[i] != NULL; i++)
		if (g_ascii_strncasecmp(allowed[i], tag, n) == 0 && allowed[i][n] == '-')
			return allowed[i];
	return NULL;
}

/* The entry of allowed that a library category ("pl--utf8", "zh-CN-utf8")
 * stands for, directly or by an alias; NULL when none. */
static const char *langguess_allowed(const char *name, const char *const *allowed)
{
	char tag[16];
	const char *found;
	size_t i;

	g_snprintf(tag, sizeof(tag), "%.*s", (int)strcspn(name, "-"), name);
	if ((found = langguess_find(tag, allowed)) != NULL)
		return found;
	for (i = 0; i < G_N_ELEMENTS(langguess_aliases); i++)
		if (strcmp(tag, langguess_aliases[i].tag) == 0)
			return langguess_find(langguess_aliases[i].as, allowed);
	return NULL;
}

const char *langguess_text(struct langguess *g, const char *text, const char *const *allowed)
{
	GString *clean;
	candidate_t *cand;
	const char *best = NULL;
	int n, i;

	if (g == NULL || text == NULL || allowed == NULL || allowed[0] == NULL)
		return NULL;
	if (!g->tried) {
		struct fault f;

		if (langguess_load(g, &f) < 0)
			log_warning("no language guessing: %s", f.text);
	}
	if (g->textcat == NULL)
		return NULL;
	clean = g_string_sized_new(LANGGUESS_TEXT_MAX + 64);
	if (langguess_clean(text, clean) < LANGGUESS_MIN_LETTERS) {
		g_string_free(clean, TRUE);
		return NULL;
	}
	cand = textcat_GetClassifyFullOutput(g->textcat);
	/* the candidates within 3% of the likeliest, best first; 0: more than
	 * five of them (TEXTCAT_RESULT_UNKNOWN), < 0: too short */
	n = textcat_ClassifyFull(g->textcat, clean->str, clean->len, cand);
	if (n > 0)
		best = langguess_allowed(cand[0].name, allowed);
	for (i = 1; best != NULL && i < n; i++) {
		const char *other = langguess_allowed(cand[i].name, allowed);

		if (other != NULL && strcmp(other, best) != 0)
			best = NULL;	/* two languages we write about as likely */
	}
	textcat_ReleaseClassifyFullOutput(g->textcat, cand);
	g_string_free(clean, TRUE);
	return best;
}
