/* gen-export: writes a synthetic FG-MV registration export (CSV) to stdout.
 *
 * The sample roster, the demo and the benchmarks need an export that looks
 * like the real one without holding anyone's personal data: the ITU
 * circular's FG-MV officers first (their names and roles are public), then
 * invented participants from many countries and scripts, so the roster,
 * search and badge code meet accents, Han, Hangul, kana, Cyrillic, Greek,
 * Arabic, Devanagari and Thai, and organisation names that need quoting.
 * The same --seed always gives the same file; files are UTF-8 with a BOM
 * and CRLF line ends, as registration systems write them. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/csv.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define GEN_COLUMNS 11

static const char *const gen_header[GEN_COLUMNS] = {
    "Registration ID", "Title",    "First Name", "Last Name", "Badge Name", "Organization",
    "Country",         "Category", "Events",     "Status",    "Email"};

/* splitmix64: small, fast and the same on every platform, which rand() is not. */
struct gen_rng {
    uint64_t state;
};

static uint64_t gen_next(struct gen_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t gen_below(struct gen_rng *r, size_t n)
{
    return (size_t)(gen_next(r) % n);
}

#define PICK(rng, arr) ((arr)[gen_below((rng), sizeof(arr) / sizeof((arr)[0]))])
#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* A name as its owner writes it and as it is romanised for Latin fields. */
struct gen_name {
    const char *native, *latin;
};

enum gen_order {
    GEN_WESTERN,       /* First Name holds the given name */
    GEN_NATIVE_FIELDS, /* native script in First/Last, as Chinese systems store it */
};

struct gen_locale {
    unsigned weight;
    const char *const *countries;
    size_t n_countries;
    const struct gen_name *firsts;
    size_t n_firsts;
    const struct gen_name *lasts;
    size_t n_lasts;
    const char *const *orgs;
    size_t n_orgs;
    unsigned native_percent; /* how often First/Last are in the native script */
};

#define N(x)                                                                                       \
    {                                                                                              \
        x, x                                                                                       \
    }
#define ARR(a) a, COUNT(a)

static const char *const c_fr[] = {"France", "Switzerland", "Belgium", "Canada"};
static const struct gen_name f_fr[] = {N("Jean-François"), N("Hélène"), N("Chloé"),  N("Benoît"),
                                       N("Élodie"),        N("Gaël"),   N("Noémie"), N("Jérôme"),
                                       N("Françoise"),     N("Loïc")};
static const struct gen_name l_fr[] = {N("Lefèvre"),  N("Dubois"), N("Gérard"), N("Bélanger"),
                                       N("Lemaître"), N("Côté"),   N("Moreau"), N("Périer")};
static const char *const o_fr[] = {"Orange", "Université Paris-Saclay", "ARCEP", "Swisscom",
                                   "Thales", "Ville de Montréal"};

static const char *const c_es[] = {"Spain", "Mexico", "Argentina", "Colombia", "Chile"};
static const struct gen_name f_es[] = {N("José"),  N("María José"), N("Sofía"),  N("Andrés"),
                                       N("Lucía"), N("Iñigo"),      N("Martín"), N("Ramón")};
static const struct gen_name l_es[] = {N("García"), N("Núñez"),     N("Muñoz"), N("Peña"),
                                       N("Ibáñez"), N("Rodríguez"), N("Gómez"), N("Calderón")};
static const char *const o_es[] = {"Telefónica, S.A.", "Universidad Politécnica de Madrid",
                                   "Instituto Federal de Telecomunicaciones",
                                   "Ministerio de Tecnologías de la Información"};

static const char *const c_de[] = {"Germany", "Austria", "Switzerland"};
static const struct gen_name f_de[] = {N("Jürgen"), N("Jörg"),     N("Bärbel"), N("Günther"),
                                       N("Lena"),   N("Matthias"), N("Sönke")};
static const struct gen_name l_de[] = {N("Müller"), N("Groß"),   N("Schröder"), N("Weiß"),
                                       N("Köhler"), N("Strauß"), N("Hoffmann")};
static const char *const o_de[] = {"Deutsche Telekom AG", "Fraunhofer HHI", "Siemens AG",
                                   "Technische Universität München", "Bundesnetzagentur"};

static const char *const c_pt[] = {"Brazil", "Portugal"};
static const struct gen_name f_pt[] = {N("João"),  N("Conceição"), N("Gonçalo"),
                                       N("Lúcia"), N("Sebastião"), N("Inês")};
static const struct gen_name l_pt[] = {N("Gonçalves"), N("Simões"),  N("Araújo"),
                                       N("Magalhães"), N("Brandão"), N("Assunção")};
static const char *const o_pt[] = {"Anatel", "Universidade de São Paulo", "Altice Portugal", "CPqD",
                                   "Associação \"Cidades Inteligentes\""};

static const char *const c_sv[] = {"Sweden", "Finland", "Norway", "Denmark"};
static const struct gen_name f_sv[] = {N("Åsa"),   N("Björn"),   N("Sören"),
                                       N("Märta"), N("Øystein"), N("Lars")};
static const struct gen_name l_sv[] = {N("Åberg"),     N("Strömberg"), N("Ødegård"),
                                       N("Lindqvist"), N("Sjögren"),   N("Næss")};
static const char *const o_sv[] = {"Ericsson", "Telia Company", "Nokia",
                                   "KTH Royal Institute "
                                   "of Technology",
                                   "Post- och telestyrelsen"};

static const char *const c_pl[] = {"Poland"};
static const struct gen_name f_pl[] = {N("Łukasz"), N("Małgorzata"), N("Paweł"), N("Zofia"),
                                       N("Wojciech")};
static const struct gen_name l_pl[] = {N("Wiśniewski"), N("Łączyńska"), N("Żółkiewski"),
                                       N("Kowalczyk"), N("Błaszczyk")};
static const char *const o_pl[] = {"Orange Polska", "Politechnika Warszawska",
                                   "Urząd Komunikacji Elektronicznej"};

static const char *const c_vi[] = {"Viet Nam"};
static const struct gen_name f_vi[] = {N("Thị Hương"), N("Văn Đức"), N("Quốc Bảo"), N("Ngọc Ánh"),
                                       N("Minh Tuấn")};
static const struct gen_name l_vi[] = {N("Nguyễn"), N("Trần"), N("Lê"), N("Phạm"), N("Đặng")};
static const char *const o_vi[] = {"Viettel Group", "VNPT",
                                   "Ministry of Information and "
                                   "Communications, Viet Nam"};

static const char *const c_en[] = {"United Kingdom", "United States", "Kenya",    "Nigeria",
                                   "Australia",      "Ireland",       "Singapore"};
static const struct gen_name f_en[] = {N("Sarah"),   N("James"),   N("Olivia"),  N("Chinedu"),
                                       N("Wanjiru"), N("Siobhán"), N("Michael"), N("Grace")};
static const struct gen_name l_en[] = {N("O'Connor"), N("Smith"),      N("Okafor"), N("Kamau"),
                                       N("Taylor"),   N("Ní Bhriain"), N("Walker")};
static const char *const o_en[] = {"BT Group plc",  "Meta Platforms, Inc.",
                                   "Safaricom PLC", "University of Oxford",
                                   "Ofcom",         "Qualcomm"};

static const char *const c_zh[] = {"China"};
static const struct gen_name f_zh[] = {
    {"伟", "Wei"},      {"晓明", "Xiaoming"}, {"静", "Jing"}, {"志强", "Zhiqiang"},
    {"丽娟", "Lijuan"}, {"浩然", "Haoran"},   {"雪", "Xue"},  {"建华", "Jianhua"}};
static const struct gen_name l_zh[] = {{"李", "Li"},    {"张", "Zhang"}, {"刘", "Liu"},
                                       {"陈", "Chen"},  {"杨", "Yang"},  {"赵", "Zhao"},
                                       {"黄", "Huang"}, {"周", "Zhou"},  {"欧阳", "Ouyang"}};
static const char *const o_zh[] = {"China Mobile",
                                   "China Telecom",
                                   "China Unicom",
                                   "Huawei Technologies Co., Ltd.",
                                   "ZTE Corporation",
                                   "CAICT",
                                   "Tongji University",
                                   "Shanghai Jiao Tong University",
                                   "Ministry of Industry and Information Technology (MIIT)"};

static const char *const c_ko[] = {"Korea (Republic of)"};
static const struct gen_name f_ko[] = {{"민준", "Min-jun"},
                                       {"서연", "Seo-yeon"},
                                       {"지훈", "Ji-hoon"},
                                       {"하은", "Ha-eun"},
                                       {"성호", "Sung-ho"}};
static const struct gen_name l_ko[] = {
    {"김", "Kim"}, {"이", "Lee"}, {"박", "Park"}, {"최", "Choi"}, {"정", "Jung"}};
static const char *const o_ko[] = {
    "ETRI", "Samsung Electronics Co., Ltd.", "SK Telecom", "KT", "LG Uplus", "TTA"};

static const char *const c_ja[] = {"Japan"};
static const struct gen_name f_ja[] = {{"陽菜", "Hina"},
                                       {"翔太", "Shota"},
                                       {"美咲", "Misaki"},
                                       {"健一", "Ken'ichi"},
                                       {"さくら", "Sakura"}};
static const struct gen_name l_ja[] = {{"佐藤", "Sato"},
                                       {"鈴木", "Suzuki"},
                                       {"高橋", "Takahashi"},
                                       {"田中", "Tanaka"},
                                       {"渡辺", "Watanabe"}};
static const char *const o_ja[] = {"NTT", "KDDI Corporation", "NICT", "Sony Group Corporation",
                                   "Ministry of Internal Affairs and Communications"};

static const char *const c_ru[] = {"Russian Federation", "Ukraine", "Kazakhstan"};
static const struct gen_name f_ru[] = {{"Дмитрий", "Dmitry"},      {"Ольга", "Olga"},
                                       {"Алексей", "Alexey"},      {"Наталья", "Natalia"},
                                       {"Олександр", "Oleksandr"}, {"Ірина", "Iryna"}};
static const struct gen_name l_ru[] = {{"Иванов", "Ivanov"},
                                       {"Смирнова", "Smirnova"},
                                       {"Кузнецов", "Kuznetsov"},
                                       {"Шевченко", "Shevchenko"},
                                       {"Ковальчук", "Kovalchuk"}};
static const char *const o_ru[] = {"Rostelecom", "MTS", "Kyivstar",
                                   "Moscow Technical "
                                   "University of Communications and Informatics"};

static const char *const c_el[] = {"Greece", "Cyprus"};
static const struct gen_name f_el[] = {
    {"Γιώργος", "Giorgos"}, {"Μαρία", "Maria"}, {"Δημήτρης", "Dimitris"}, {"Ελένη", "Eleni"}};
static const struct gen_name l_el[] = {
    {"Παπαδόπουλος", "Papadopoulos"}, {"Οικονόμου", "Oikonomou"}, {"Κωνσταντίνου", "Konstantinou"}};
static const char *const o_el[] = {"OTE Group", "National Technical University of Athens",
                                   "Hellenic Telecommunications and Post Commission"};

static const char *const c_ar[] = {"Saudi Arabia", "Egypt", "United Arab Emirates", "Tunisia",
                                   "Jordan"};
static const struct gen_name f_ar[] = {{"محمد", "Mohammed"},
                                       {"فاطمة", "Fatima"},
                                       {"أحمد", "Ahmed"},
                                       {"ليلى", "Layla"},
                                       {"عمر", "Omar"}};
static const struct gen_name l_ar[] = {{"العتيبي", "Al-Otaibi"},
                                       {"حسن", "Hassan"},
                                       {"المنصوري", "Al-Mansouri"},
                                       {"بن علي", "Ben Ali"}};
static const char *const o_ar[] = {"Saudi Telecom Company (stc)", "du", "Etisalat by e&",
                                   "National Telecom Regulatory Authority",
                                   "Communications, Space & Technology Commission"};

static const char *const c_hi[] = {"India"};
static const struct gen_name f_hi[] = {
    {"प्रिया", "Priya"}, {"राहुल", "Rahul"}, {"अनन्या", "Ananya"}, {"विक्रम", "Vikram"}};
static const struct gen_name l_hi[] = {
    {"शर्मा", "Sharma"}, {"पटेल", "Patel"}, {"गुप्ता", "Gupta"}, {"अय्यर", "Iyer"}};
static const char *const o_hi[] = {"Bharti Airtel", "C-DOT", "IIT Madras",
                                   "Telecommunications Standards Development Society, India"};

static const char *const c_th[] = {"Thailand"};
static const struct gen_name f_th[] = {
    {"สมชาย", "Somchai"}, {"สุดารัตน์", "Sudarat"}, {"ณัฐพล", "Nattapon"}};
static const struct gen_name l_th[] = {
    {"ศรีสุข", "Srisuk"}, {"วงศ์ไทย", "Wongthai"}, {"แสงทอง", "Saengthong"}};
static const char *const o_th[] = {"NBTC", "AIS", "Chulalongkorn University"};

/* Weights: a Shanghai meeting draws many Chinese participants, then
 * Europe, Korea and Japan; Devanagari and Thai only now and then. */
static const struct gen_locale gen_locales[] = {
    {22, ARR(c_zh), ARR(f_zh), ARR(l_zh), ARR(o_zh), 70},
    {7, ARR(c_ko), ARR(f_ko), ARR(l_ko), ARR(o_ko), 40},
    {6, ARR(c_ja), ARR(f_ja), ARR(l_ja), ARR(o_ja), 40},
    {7, ARR(c_fr), ARR(f_fr), ARR(l_fr), ARR(o_fr), 100},
    {6, ARR(c_es), ARR(f_es), ARR(l_es), ARR(o_es), 100},
    {6, ARR(c_de), ARR(f_de), ARR(l_de), ARR(o_de), 100},
    {5, ARR(c_pt), ARR(f_pt), ARR(l_pt), ARR(o_pt), 100},
    {4, ARR(c_sv), ARR(f_sv), ARR(l_sv), ARR(o_sv), 100},
    {3, ARR(c_pl), ARR(f_pl), ARR(l_pl), ARR(o_pl), 100},
    {3, ARR(c_vi), ARR(f_vi), ARR(l_vi), ARR(o_vi), 100},
    {9, ARR(c_en), ARR(f_en), ARR(l_en), ARR(o_en), 100},
    {5, ARR(c_ru), ARR(f_ru), ARR(l_ru), ARR(o_ru), 50},
    {3, ARR(c_el), ARR(f_el), ARR(l_el), ARR(o_el), 30},
    {5, ARR(c_ar), ARR(f_ar), ARR(l_ar), ARR(o_ar), 30},
    {2, ARR(c_hi), ARR(f_hi), ARR(l_hi), ARR(o_hi), 30},
    {1, ARR(c_th), ARR(f_th), ARR(l_th), ARR(o_th), 40},
};

/* The FG-MV management team from the ITU circular, in this order. */
struct gen_officer {
    const char *first, *last, *badge, *org, *country, *category;
};

static const struct gen_officer gen_officers[] = {
    {"Shin-Gak", "Kang", "강신각", "ETRI", "Korea (Republic of)", "Chair"},
    {"Andrey", "Nunes", "", "", "Brazil", "Vice-chair"},
    {"Hideo", "Imanaka", "今中秀郎", "NICT", "Japan", "Vice-chair"},
    {"Per", "Fröjdh", "", "Ericsson", "Sweden", "Vice-chair"},
    {"Shane", "He", "", "Nokia", "Finland", "Vice-chair"},
    {"Vincent", "Affleck", "", "", "United Kingdom", "Vice-chair"},
    {"蕴韬", "王", "", "CAICT", "China", "Vice-chair"},
    {"Leonidas", "Anthopoulos", "Λεωνίδας Ανθόπουλος", "University of Thessaly", "Greece",
     "Vice-chair"},
    {"Manuel", "Barreiro", "", "Aston Group", "Mexico", "Vice-chair"},
    {"Cristina", "Martinez", "", "European Commission", "", "Vice-chair"},
    {"Stella", "Kipsaita", "", "Communications Authority of Kenya", "Kenya", "Vice-chair"},
    {"Natalia", "Bayona", "", "UNWTO", "", "Vice-chair"},
};

/* An ASCII e-mail local part from the Latin names ("Jean-François Lefèvre"
 * gives "jean-francois.lefevre"), using the same folding as search; NULL
 * when the folded text is not plain ASCII letters. */
static char *gen_email_local(const char *first, const char *last)
{
    char *f = utf8_fold_new(first);
    char *l = utf8_fold_new(last);
    char *out = NULL;
    if (f && l && f[0] && l[0]) {
        out = xasprintf("%s.%s", f, l);
        for (char *p = out; *p; p++) {
            if (*p == ' ')
                *p = '-';
            else if ((unsigned char)*p >= 0x80) {
                free(out);
                out = NULL;
                break;
            }
        }
    }
    free(f);
    free(l);
    return out;
}

static const struct gen_locale *gen_pick_locale(struct gen_rng *rng)
{
    unsigned total = 0;
    for (size_t i = 0; i < COUNT(gen_locales); i++)
        total += gen_locales[i].weight;
    size_t x = gen_below(rng, total);
    for (size_t i = 0; i < COUNT(gen_locales); i++) {
        if (x < gen_locales[i].weight)
            return &gen_locales[i];
        x -= gen_locales[i].weight;
    }
    return &gen_locales[0];
}

static const char *gen_category(struct gen_rng *rng)
{
    size_t x = gen_below(rng, 100);
    if (x < 8)
        return "Speaker";
    if (x < 11)
        return "Secretariat";
    if (x < 14)
        return "Host";
    if (x < 17)
        return "Press";
    return "Participant";
}

static const char *gen_events(struct gen_rng *rng)
{
    size_t x = gen_below(rng, 100);
    return x < 70 ? "FG-MV; Forum" : x < 88 ? "FG-MV" : "Forum";
}

static int gen_write(FILE *out, long count, uint64_t seed)
{
    struct gen_rng rng = {seed};
    /* Only titles that say nothing about gender, which the generator cannot know. */
    static const char *const titles[] = {"Dr.", "Prof.", "", "", "", ""};
    fputs("\xEF\xBB\xBF", out);
    csv_write_row(out, gen_header, GEN_COLUMNS, false);
    for (long i = 1; i <= count; i++) {
        char id[32], email[160];
        snprintf(id, sizeof id, "FGMV-2023-%05ld", i);
        const char *row[GEN_COLUMNS];
        row[0] = id;
        char *local = NULL;
        char number[24] = "";
        char badge[160] = "";
        if (count >= (long)COUNT(gen_officers) && i <= (long)COUNT(gen_officers)) {
            const struct gen_officer *o = &gen_officers[i - 1];
            row[1] = "";
            row[2] = o->first;
            row[3] = o->last;
            row[4] = o->badge;
            row[5] = o->org;
            row[6] = o->country;
            row[7] = o->category;
            row[8] = "FG-MV; Forum";
            row[9] = "Confirmed";
            local = i == 7 ? xstrdup("yuntao.wang") : gen_email_local(o->first, o->last);
        } else {
            const struct gen_locale *loc = gen_pick_locale(&rng);
            const struct gen_name *first = &loc->firsts[gen_below(&rng, loc->n_firsts)];
            const struct gen_name *last = &loc->lasts[gen_below(&rng, loc->n_lasts)];
            bool native = gen_below(&rng, 100) < loc->native_percent;
            bool scripted = strcmp(first->native, first->latin) != 0;
            row[1] = PICK(&rng, titles);
            row[2] = native ? first->native : first->latin;
            row[3] = native ? last->native : last->latin;
            /* People registered in Latin letters often want their own
             * script on the badge; some with native names pick a Latin one. */
            if (scripted && gen_below(&rng, 100) < 30) {
                const bool cjk =
                    loc->countries == c_zh || loc->countries == c_ja || loc->countries == c_ko;
                if (native)
                    snprintf(badge, sizeof badge, "%s %s", first->latin, last->latin);
                else if (cjk)
                    snprintf(badge, sizeof badge, "%s%s", last->native, first->native);
                else
                    snprintf(badge, sizeof badge, "%s %s", first->native, last->native);
            }
            row[4] = badge;
            row[5] = loc->orgs[gen_below(&rng, loc->n_orgs)];
            row[6] = loc->countries[gen_below(&rng, loc->n_countries)];
            row[7] = gen_category(&rng);
            row[8] = gen_events(&rng);
            row[9] = gen_below(&rng, 100) < 3 ? "Cancelled" : "Confirmed";
            local = gen_email_local(first->latin, last->latin);
            /* Invented people share names; the row number keeps addresses unique. */
            snprintf(number, sizeof number, "%ld", i);
        }
        if (local)
            snprintf(email, sizeof email, "%s%s@example.org", local, number);
        else
            snprintf(email, sizeof email, "participant.%05ld@example.org", i);
        free(local);
        row[10] = email;
        if (csv_write_row(out, row, GEN_COLUMNS, false) != BK_OK)
            return 1;
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : 1;
}

static void gen_usage(FILE *f)
{
    fprintf(f, _("Usage: gen-export [--count N] [--seed S]\n"
                 "Writes a synthetic FG-MV registration export (CSV) to standard output.\n"
                 "  --count N  number of attendees (default 300)\n"
                 "  --seed S   random seed; the same seed gives the same file (default 1)\n"));
}

static bool gen_parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    unsigned long long count = 300, seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            gen_usage(stdout);
            return 0;
        }
        bool is_count = strcmp(argv[i], "--count") == 0;
        bool is_seed = strcmp(argv[i], "--seed") == 0;
        if (!is_count && !is_seed) {
            fprintf(stderr, _("gen-export: unknown option '%s'\n"), argv[i]);
            gen_usage(stderr);
            return 2;
        }
        const char *value = i + 1 < argc ? argv[++i] : NULL;
        if (!gen_parse_number(value, is_count ? 10000000ULL : UINT64_MAX,
                              is_count ? &count : &seed)) {
            fprintf(stderr, _("gen-export: %s needs a whole number, got '%s'\n"),
                    is_count ? "--count" : "--seed", value ? value : "");
            return 2;
        }
    }
    if (gen_write(stdout, (long)count, seed) != 0) {
        fprintf(stderr, _("gen-export: could not write the output\n"));
        return 1;
    }
    return 0;
}
