/* quote.c: the agent's new text in a reply (above, below or between the
 * quoted lines), without the attribution and separator lines of Gmail,
 * Outlook, Thunderbird, Apple Mail, iOS and Windows Mail and Mutt in en,
 * pl, cs, ms, de, fr, es, it, pt and nl, and with the signature set apart.
 * One pass over the lines, each line looked at a bounded number of times;
 * plain string matching on case-folded text (GLib's regex engine, PCRE2
 * JIT, is not needed and confuses valgrind). Every table is UTF-8, lower
 * case, matched against g_utf8_casefold()ed lines. */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "quote.h"

/* Attribution and separator lines are looked at up to this many bytes (one
 * line, or two joined): longer ones are text. */
#define QUOTE_ATTR_MAX 400
/* An attribution without a date ("Jan Kowalski wrote:") is at most this long. */
#define QUOTE_SHORT_MAX 160
/* Outlook's header block: "Sent:"/"Date:" within this many lines after
 * "From:" (which a client may wrap). */
#define QUOTE_BLOCK_SPAN 4
/* A header label ("Enviado el:") is within the first this many bytes. */
#define QUOTE_LABEL_MAX 32

/* How an attribution ends ("On ... wrote:"; Gmail, Thunderbird, Apple Mail,
 * Mutt in each language: en, de, fr, es, it, pt, nl, pl, cs, ms). */
static const char *const quote_verbs[] = {
	" wrote:", " schrieb:", " a écrit :", " a écrit:", " escribió:", " ha scritto:", " escreveu:",
	" schreef:", " het volgende geschreven:", " pisze:", " napisał(a):", " napisał:", " napisała:",
	" napsal(a):", " napsal:", " napsala:", " menulis:", " membalas:", NULL,
};

/* The verb before the name, the line ending in ":" ("Am ... schrieb Jan
 * <jan@x>:", Thunderbird's "Jan wrote on 22/11/2026 10:00:", Apple Mail's
 * Polish "Wiadomość napisana przez Jan <jan@x> w dniu ...:"). */
static const char *const quote_middles[] = {
	" schrieb ", " schreef ", " wrote on ", " a écrit le ", " escribió el ", " ha scritto il ",
	" escreveu em ", " escreveu às ", " napsal(a) dne ", " membalas pada ", "wiadomość napisana przez ",
	NULL,
};

/* How the attributions with a date begin, in each language. */
static const char *const quote_openers[] = {
	"on ", "am ", "le ", "el ", "il ", "in data ", "em ", "às ", "op ", "w dniu ", "dnia ", "dne ",
	"pada ", "wiadomość napisana przez ", NULL,
};

/* The titles of separator rules: Outlook's "-----Original Message-----" in
 * each Outlook language, Thunderbird's "-------- Original Message --------"
 * and "-------- Forwarded Message --------" in each language, Gmail's
 * "---------- Forwarded message ---------". */
static const char *const quote_titles[] = {
	"original message", "forwarded message", "ursprüngliche nachricht", "original-nachricht",
	"weitergeleitete nachricht", "message d'origine", "message d’origine", "message original",
	"message transféré", "mensaje original", "mensaje reenviado", "messaggio originale",
	"messaggio inoltrato", "mensagem original", "mensagem encaminhada", "oorspronkelijk bericht",
	"doorgestuurd bericht", "wiadomość oryginalna", "oryginalna wiadomość",
	"treść oryginalnej wiadomości", "treść przekazanej wiadomości", "původní zpráva",
	"přeposlaná zpráva", "mesej asal", "mesej dikirim semula", NULL,
};

/* The first label of Outlook's header block ("From:") in each language. */
static const char *const quote_from_labels[] = {
	"from", "von", "de", "da", "van", "od", "daripada", NULL,
};

/* The date label that follows it: Outlook desktop and on the web, Windows
 * Mail ("Sent:"), Outlook for Mac and forwards ("Date:"), in each language. */
static const char *const quote_sent_labels[] = {
	"sent", "date", "gesendet", "datum", "envoyé", "enviado el", "enviado", "enviada", "enviado em",
	"enviada em", "fecha", "inviato", "data", "verzonden", "wysłano", "odesláno", "dihantar",
	"tarikh", NULL,
};

enum quote_kind {
	QK_TEXT,	/* new text */
	QK_BLANK,	/* white space only, unquoted */
	QK_QUOTED,	/* starts with ">" (after white space) */
	QK_ATTR,	/* an attribution line before quoted lines: dropped */
	QK_SIG,		/* the "-- " line */
};

/* What an attribution line is. */
enum quote_attr {
	QA_NONE,
	QA_SHORT,	/* "Jan wrote:": only when quoted lines follow */
	QA_FULL,	/* with a date and time */
	QA_STRONG,	/* and an address or a known opening: history, whatever follows */
};

struct quote_line {
	const char *s;		/* in the body */
	size_t len;		/* without the line end and trailing white space */
	enum quote_kind kind;
	signed char label;	/* quote_label(), -1 until worked out */
};

/* The room a folded line needs: each character may grow from 1 to 3 bytes. */
#define QUOTE_FOLD_SIZE (3 * QUOTE_ATTR_MAX + 4)

/* s[0..len) in lower case into buf (QUOTE_FOLD_SIZE bytes), with no-break
 * spaces (U+00A0, U+202F: French typography) and tabs as spaces and invalid
 * bytes as U+FFFD; false when longer than QUOTE_ATTR_MAX. No allocation:
 * this runs on many lines. */
static bool quote_fold(const char *s, size_t len, char *buf)
{
	const char *end = s + len;
	char *w = buf;

	if (len > QUOTE_ATTR_MAX)
		return false;
	while (s < end) {
		gunichar c;

		if ((guchar)*s < 0x80) {
			*w++ = *s == '\t' ? ' ' : g_ascii_tolower(*s);
			s++;
			continue;
		}
		c = g_utf8_get_char_validated(s, end - s);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = 0xfffd;
			s++;
		} else {
			s = g_utf8_next_char(s);
		}
		if (c == 0xa0 || c == 0x202f)
			c = ' ';
		w += g_unichar_to_utf8(g_unichar_tolower(c), w);
	}
	*w = '\0';
	return true;
}

/* Whether s (of length len) ends with suffix. */
static bool quote_ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* The index of the first string of list that s begins with, or -1. */
static int quote_begins(const char *s, const char *const *list)
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (strncmp(s, list[i], strlen(list[i])) == 0)
			return i;
	return -1;
}

/* Whether s holds a time of day: a digit, ':' or '.', two digits. */
static bool quote_has_time(const char *s)
{
	for (; s[0] != '\0'; s++)
		if (g_ascii_isdigit(s[0]) && (s[1] == ':' || s[1] == '.') && g_ascii_isdigit(s[2]) &&
		    g_ascii_isdigit(s[3]))
			return true;
	return false;
}

/* Mutt's "* Name <addr> [2026-11-22 10:00]:" (folded f of length len). */
static bool quote_mutt(const char *f, size_t len)
{
	const char *open;

	if (len < 17 || f[0] != '*' || f[1] != ' ' || !quote_ends(f, len, "]:"))
		return false;
	open = strrchr(f, '[');
	return open != NULL && (size_t)(open - f) + 6 < len && g_ascii_isdigit(open[1]) &&
	       g_ascii_isdigit(open[4]) && open[5] == '-';
}

/* What the folded, trimmed line f is as an attribution. */
static enum quote_attr quote_attr_kind(const char *f)
{
	size_t len = strlen(f);
	bool verb = false;
	int i;

	if (quote_mutt(f, len))
		return QA_STRONG;
	if (len < 4 || f[len - 1] != ':')
		return QA_NONE;
	for (i = 0; quote_verbs[i] != NULL && !verb; i++)
		verb = quote_ends(f, len, quote_verbs[i]);
	for (i = 0; quote_middles[i] != NULL && !verb; i++)
		verb = strstr(f, quote_middles[i]) != NULL;
	if (!verb)
		return QA_NONE;
	if (!quote_has_time(f))
		return len <= QUOTE_SHORT_MAX ? QA_SHORT : QA_NONE;
	if (strchr(f, '@') != NULL || quote_begins(f, quote_openers) >= 0)
		return QA_STRONG;
	return QA_FULL;
}

/* s[0..len) without white space (and, when dequote, "> " levels) in front. */
static const char *quote_skip(const char *s, size_t len, bool dequote, size_t *len_r)
{
	const char *end = s + len;

	while (s < end && (*s == ' ' || *s == '\t' || (dequote && *s == '>')))
		s++;
	*len_r = (size_t)(end - s);
	return s;
}

/* What line a (or a joined with b, when b is not NULL) is as an
 * attribution; the lines are trimmed on the right already. */
static enum quote_attr quote_attr_of(const char *a, size_t alen, const char *b, size_t blen, bool dequote)
{
	char joined[QUOTE_ATTR_MAX + 1], f[QUOTE_FOLD_SIZE];

	a = quote_skip(a, alen, dequote, &alen);
	if (b == NULL) {
		if (alen == 0 || a[alen - 1] != ':' || !quote_fold(a, alen, f))
			return QA_NONE;
		return quote_attr_kind(f);
	}
	b = quote_skip(b, blen, dequote, &blen);
	if (alen == 0 || blen == 0 || b[blen - 1] != ':' || alen + blen + 1 > QUOTE_ATTR_MAX)
		return QA_NONE;
	memcpy(joined, a, alen);
	joined[alen] = ' ';
	memcpy(joined + alen + 1, b, blen);
	if (!quote_fold(joined, alen + 1 + blen, f))
		return QA_NONE;
	return quote_attr_kind(f);
}

/* Whether line l may be the first half of an attribution a client wrapped
 * before line next: next ends with ":", l begins like an attribution or
 * holds the time, and does not end a sentence. */
static bool quote_may_wrap(const struct quote_line *l, const struct quote_line *next)
{
	size_t len;
	const char *s = quote_skip(l->s, l->len, true, &len);
	char f[QUOTE_FOLD_SIZE];

	if (next->len == 0 || next->s[next->len - 1] != ':')
		return false;
	if (len == 0 || strchr(".!?;:", s[len - 1]) != NULL || !quote_fold(s, len, f))
		return false;
	return quote_begins(f, quote_openers) >= 0 || quote_has_time(f);
}

/* Whether the trimmed line s is a separator rule with a title ("-----Original
 * Message-----", "--- Treść oryginalnej wiadomości ---") or, when bare, the
 * title alone. */
static bool quote_titled_rule(const char *s, size_t len, bool bare)
{
	size_t lead = 0, trail = 0;
	char f[QUOTE_FOLD_SIZE];

	while (lead < len && s[lead] == '-')
		lead++;
	while (trail < len - lead && s[len - 1 - trail] == '-')
		trail++;
	if (bare ? lead != 0 || len > 64 : lead < 2 || trail < 2 || lead + trail >= len)
		return false;
	if (!quote_fold(s + lead, len - lead - trail, f))
		return false;
	return g_strv_contains(quote_titles, g_strstrip(f));
}

/* Whether the trimmed line s is a row of underscores (Outlook's rule above
 * its header block). */
static bool quote_underscores(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] == '_'; i++)
		;
	return len >= 10 && i == len;
}

/* 1 when line l begins with a "From:" label of Outlook's header block, 2
 * with a "Sent:"/"Date:" label, else 0. Bold ("*From:* x") too. Worked out
 * once per line. */
static int quote_label(struct quote_line *l)
{
	const char *s = l->s, *end = l->s + l->len, *colon;
	char f[QUOTE_FOLD_SIZE];

	if (l->label >= 0)
		return l->label;
	l->label = 0;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '*'))
		s++;
	colon = memchr(s, ':', MIN((size_t)(end - s), QUOTE_LABEL_MAX));
	if (colon == NULL || colon == s || !quote_fold(s, (size_t)(colon - s), f))
		return 0;
	g_strchomp(f);
	if (g_strv_contains(quote_from_labels, f))
		l->label = 1;
	else if (g_strv_contains(quote_sent_labels, f))
		l->label = 2;
	return l->label;
}

/* Whether lines[i] starts Outlook's header block: a "From:" label, then a
 * "Sent:"/"Date:" label within QUOTE_BLOCK_SPAN unquoted lines. */
static bool quote_header_block(struct quote_line *lines, guint n, guint i)
{
	guint j;

	if (i >= n || lines[i].kind != QK_TEXT || quote_label(&lines[i]) != 1)
		return false;
	for (j = i + 1; j < n && j <= i + QUOTE_BLOCK_SPAN && lines[j].kind == QK_TEXT; j++)
		if (quote_label(&lines[j]) == 2)
			return true;
	return false;
}

/* Whether the history starts at the unquoted text line lines[i]: a titled
 * rule, a header block, or a row of underscores or a bare title before
 * one. next[] is the index of the next non-blank line. */
static bool quote_history_at(struct quote_line *lines, const guint *next, guint n, guint i)
{
	size_t len;
	const char *s = quote_skip(lines[i].s, lines[i].len, false, &len);

	if (s[0] == '-' && quote_titled_rule(s, len, false))
		return true;
	if (quote_header_block(lines, n, i))
		return true;
	if (i + 1 >= n || !quote_header_block(lines, n, next[i + 1]))
		return false;
	return quote_underscores(s, len) || quote_titled_rule(s, len, true);
}

/* Whether a line is the signature separator: "-- ", or "--" as clients
 * that trim trailing spaces send it (trailing white space is gone here). */
static bool quote_sig_line(const struct quote_line *l)
{
	return l->len == 2 && l->s[0] == '-' && l->s[1] == '-';
}

/* The length of s[0..len) without trailing white space: spaces, tabs, CR
 * and no-break spaces (Outlook writes its empty paragraphs as U+00A0). */
static size_t quote_rtrim(const char *s, size_t len)
{
	for (;;) {
		if (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
			len--;
		else if (len > 1 && (guchar)s[len - 2] == 0xc2 && (guchar)s[len - 1] == 0xa0)
			len -= 2;
		else
			return len;
	}
}

/* The lines of body, classified as text, blank or quoted. */
static GArray *quote_split(const char *body)
{
	const char *p = body;
	guint n = 1;
	GArray *lines;

	for (p = strchr(p, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		n++;
	lines = g_array_sized_new(FALSE, FALSE, sizeof(struct quote_line), n);
	p = body;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		struct quote_line l = {
			.s = p, .len = nl ? (size_t)(nl - p) : strlen(p), .kind = QK_TEXT, .label = -1,
		};
		size_t lead;
		const char *first;

		l.len = quote_rtrim(p, l.len);
		first = quote_skip(p, l.len, false, &lead);
		if (lead == 0)
			l.kind = QK_BLANK;
		else if (*first == '>')
			l.kind = QK_QUOTED;
		g_array_append_val(lines, l);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return lines;
}

/* Mark the attribution lines and the signature line, and find where the
 * history starts (*end_r) and where the signature line is (*sig_r, n when
 * none): one pass, stopping at the history. */
static void quote_mark(struct quote_line *lines, const guint *next, guint n, guint *end_r, guint *sig_r)
{
	guint i;

	*sig_r = n;
	for (i = 0; i < n; i++) {
		struct quote_line *l = &lines[i];
		enum quote_attr k;
		bool two = false, quote_follows;
		guint after;

		if (l->kind != QK_TEXT)
			continue;
		if (*sig_r == n && quote_sig_line(l)) {
			l->kind = QK_SIG;
			*sig_r = i;
			continue;
		}
		if (quote_history_at(lines, next, n, i))
			break;
		k = quote_attr_of(l->s, l->len, NULL, 0, false);
		if (k == QA_NONE && i + 1 < n && lines[i + 1].kind == QK_TEXT && quote_may_wrap(l, &lines[i + 1])) {
			k = quote_attr_of(l->s, l->len, lines[i + 1].s, lines[i + 1].len, false);
			two = true;
		}
		if (k == QA_NONE)
			continue;
		after = i + (two ? 2 : 1) < n ? next[i + (two ? 2 : 1)] : n;
		quote_follows = after < n && lines[after].kind == QK_QUOTED;
		if (k == QA_STRONG && !quote_follows)
			break;	/* unquoted history below an attribution */
		if (quote_follows) {
			l->kind = QK_ATTR;
			if (two)
				lines[++i].kind = QK_ATTR;
		}
	}
	*end_r = i;
}

/* Append line l to out, with its line end. */
static void quote_put(GString *out, const struct quote_line *l)
{
	g_string_append_len(out, l->s, (gssize)l->len);
	g_string_append_c(out, '\n');
}

/* Whether the quoted line l ends a paragraph of the quote: empty once its
 * "> " levels are taken off, or a rule of dashes, underscores or '='. */
static bool quote_quoted_break(const struct quote_line *l)
{
	size_t len, i;
	const char *s = quote_skip(l->s, l->len, true, &len);

	for (i = 0; i < len && strchr("-_= ", s[i]) != NULL; i++)
		;
	return len == 0 || (i == len && len >= 10);
}

/* Whether the quoted line lines[i] is an attribution, alone or wrapped
 * with the quoted line after it (before end): *two_r then. */
static bool quote_quoted_attr(const struct quote_line *lines, guint i, guint end, bool *two_r)
{
	const struct quote_line *l = &lines[i];

	*two_r = false;
	if (quote_attr_of(l->s, l->len, NULL, 0, true) != QA_NONE)
		return true;
	if (i + 1 < end && quote_may_wrap(l, &lines[i + 1]) &&
	    quote_attr_of(l->s, l->len, lines[i + 1].s, lines[i + 1].len, true) != QA_NONE)
		return *two_r = true;
	return false;
}

/* The output of quote_put_range(): blank lines are held back until a line
 * follows, and after a dropped part at most one of them is kept. */
struct quote_out {
	GString *text;
	guint blanks;		/* held back */
	bool dropped;		/* something was left out since the last line put */
	bool quoted;		/* a quoted line was put */
};

/* Put line l (not blank) into o, after the blank lines held back. */
static void quote_out_line(struct quote_out *o, const struct quote_line *l)
{
	guint b = o->dropped ? MIN(o->blanks, 1) : o->blanks;

	if (o->text->len == 0)
		b = 0;
	while (b-- > 0)
		g_string_append_c(o->text, '\n');
	g_string_append_len(o->text, l->s, (gssize)l->len);
	g_string_append_c(o->text, '\n');
	o->blanks = 0;
	o->dropped = false;
}

/* Put the quoted lines [from, to) into o as an interleaved reply keeps
 * them: when new text follows them, their last paragraph (the one that
 * the answer below refers to) without the attributions quoted in it;
 * otherwise none. */
static void quote_out_quote(struct quote_out *o, const struct quote_line *lines, const guint *next, guint from,
			    guint to)
{
	guint first = from, end = to, i;
	bool two;

	if (lines[next[to]].kind != QK_TEXT) {
		o->dropped = true;
		return;
	}
	while (end > from && quote_quoted_break(&lines[end - 1]))
		end--;
	for (first = end; first > from && !quote_quoted_break(&lines[first - 1]); first--)
		;
	o->dropped = first > from || o->dropped;
	for (i = first; i < end; i++) {
		if (quote_quoted_attr(lines, i, end, &two)) {
			i += two;
			o->dropped = true;
			continue;
		}
		quote_out_line(o, &lines[i]);
		o->quoted = true;
	}
}

/* Append the lines [from, to] to out, to being new text: blank lines and
 * new text as they are, attribution lines left out, quoted lines as
 * quote_out_quote() keeps them. Sets *interleaved when quoted lines stay. */
static void quote_put_range(GString *out, const struct quote_line *lines, const guint *next, guint from, guint to,
			    bool *interleaved)
{
	struct quote_out o = { .text = out };
	guint i = from, j;

	while (i <= to) {
		switch (lines[i].kind) {
		case QK_BLANK:
			o.blanks++;
			i++;
			break;
		case QK_QUOTED:
			for (j = i; j < to && lines[j].kind == QK_QUOTED; j++)
				;
			quote_out_quote(&o, lines, next, i, j);
			i = j;
			break;
		case QK_TEXT:
			quote_out_line(&o, &lines[i++]);
			break;
		default:	/* attributions */
			o.dropped = true;
			i++;
			break;
		}
	}
	*interleaved = o.quoted;
}

/* The signature: the lines after the separator sig up to the first quoted
 * or attribution line before end, without blank lines around; NULL when
 * empty. */
static char *quote_signature(const struct quote_line *lines, guint sig, guint end)
{
	GString *out = g_string_new(NULL);
	guint i, first = sig + 1, last;

	for (last = first; last < end && lines[last].kind != QK_QUOTED && lines[last].kind != QK_ATTR; last++)
		;
	while (first < last && lines[first].kind == QK_BLANK)
		first++;
	while (last > first && lines[last - 1].kind == QK_BLANK)
		last--;
	for (i = first; i < last; i++)
		quote_put(out, &lines[i]);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

void quote_reply(const char *body, struct quote_reply *out)
{
	GArray *array = quote_split(body ? body : "");
	struct quote_line *lines = (struct quote_line *)(void *)array->data;
	guint n = array->len, *next = g_new(guint, n + 1), i, end, sig, stop, first = n, last = n;
	bool inner = false, before = false, after = false;
	GString *text = g_string_sized_new(strlen(body ? body : "") + 1);

	memset(out, 0, sizeof(*out));
	next[n] = n;
	for (i = n; i-- > 0;)
		next[i] = lines[i].kind == QK_BLANK ? next[i + 1] : i;
	quote_mark(lines, next, n, &end, &sig);
	stop = MIN(sig, end);
	if (sig < end)
		out->signature = quote_signature(lines, sig, end);
	/* the first and last lines of new text, and where the quoted lines are:
	 * before the first (before), between two (inner), after the last (after) */
	for (i = 0; i < stop; i++) {
		if (lines[i].kind == QK_TEXT) {
			inner = inner || (after && first < n);
			if (first == n)
				first = i;
			after = false;
			last = i;
		} else if (lines[i].kind == QK_QUOTED) {
			before = before || first == n;
			after = first < n;
		}
	}
	/* interleaved: quoted lines between new text, or new text put inside
	 * the quote; then from the first line kept, else from the new text */
	if (first < n)
		quote_put_range(text, lines, next, inner || (before && after) ? 0 : first, last, &out->interleaved);
	out->text = g_string_free(text, FALSE);
	g_free(next);
	g_array_free(array, TRUE);
}

void quote_reply_clear(struct quote_reply *r)
{
	g_free(r->text);
	g_free(r->signature);
	memset(r, 0, sizeof(*r));
}

bool quote_is_attribution(const char *line, const char *next)
{
	size_t len;
	const char *s = quote_skip(line, strlen(line), false, &len);
	bool found;

	len = quote_rtrim(s, len);
	if (quote_titled_rule(s, len, false) || quote_underscores(s, len))
		return true;
	found = quote_attr_of(s, len, NULL, 0, false) >= QA_FULL;
	if (!found && next != NULL) {
		struct quote_line l = { .s = s, .len = len, .kind = QK_TEXT, .label = -1 }, n2 = l;

		n2.s = next;
		n2.len = quote_rtrim(next, strlen(next));
		found = quote_may_wrap(&l, &n2) && quote_attr_of(s, len, next, n2.len, false) >= QA_FULL;
	}
	return found;
}
