/* SPDX-License-Identifier: MIT */
/* The default extraction rules: candidate patterns and keyword lists. */
#include "extract_rules.h"

/*
 * Candidate patterns. They run on normalised text (full-width forms and
 * other digits folded to ASCII, dashes to '-', odd spaces to ' ',
 * zero-width characters removed, URLs and e-mail addresses blanked).
 * The lookarounds keep a match from starting or ending inside a longer
 * token, so "40 1938 2245" is one run that is too long, not "40 1938".
 * extract.c then checks lengths, shapes and the surroundings.
 */
/* Characters that may not come right before a candidate's first
 * character (written as a class for a two-character lookbehind, so
 * each pattern starts with the character it consumes and PCRE2 can skip
 * ahead to it). */
#define EXTRACT_RULES_NOT_BEFORE "[\\p{L}\\p{N}_#@&=/\\\\%+$\\x{20AC}\\x{A3}.-]"
const struct extract_rules_pattern extract_rules_patterns[] = {
	{ "digits", EXTRACT_FORM_DIGITS,
	  "[0-9](?<![\\p{L}\\p{N}_#@&=/\\\\%+$\\x{20AC}\\x{A3}-][0-9])"
	  "(?<![0-9][.,:][0-9])(?<![0-9][ -][0-9])"
	  "[0-9]*(?:[ .-][0-9]+)*"
	  "(?![\\p{L}\\p{N}_@%/]|[.,: -]?[0-9])" },
	{ "prefixed", EXTRACT_FORM_PREFIXED,
	  "[A-Z](?<!" EXTRACT_RULES_NOT_BEFORE "[A-Z])[A-Z]{0,2}-([0-9]{4,8})"
	  "(?![\\p{L}\\p{N}_@%/]|[.,:-]?[0-9])" },
	{ "alnum", EXTRACT_FORM_ALNUM,
	  "[A-Z0-9](?<!" EXTRACT_RULES_NOT_BEFORE "[A-Z0-9])"
	  "[A-Z0-9]{1,9}(?:-[A-Z0-9]{2,10}){0,2}"
	  "(?![\\p{L}\\p{N}_@/]|-[\\p{L}\\p{N}])" },
	{ "mixed case", EXTRACT_FORM_MIXED,
	  "[A-Za-z0-9](?<!" EXTRACT_RULES_NOT_BEFORE "[A-Za-z0-9])"
	  "(?=[A-Za-z0-9]{0,9}[a-z])[A-Za-z0-9]{4,9}"
	  "(?![\\p{L}\\p{N}_@/-])" },
	{ "cells", EXTRACT_FORM_CELLS,
	  "[A-Z0-9](?<![\\p{L}\\p{N}_ ][A-Z0-9])"
	  "(?<![\\p{L}\\p{N}_] [A-Z0-9])"
	  "(?: [A-Z0-9]){3,9}(?![\\p{L}\\p{N}_]| [\\p{L}\\p{N}])" },
	{ "lines", EXTRACT_FORM_LINES,
	  "[A-Z0-9](?<![^\\n][A-Z0-9])(?:\\n[A-Z0-9]){3,9}(?![^\\n])" },
};
const size_t extract_rules_npatterns =
	sizeof(extract_rules_patterns) / sizeof(extract_rules_patterns[0]);

/* Compounds with "code" that are not one-time codes. Matched before the
 * code words, so "postal code" never counts as "code". */
static const char *const extract_rules_notcode[] = {
	"promo ?codes?", "promotion(?:al)? codes?", "discount codes?",
	"coupon ?codes?", "voucher ?codes?", "gift ?codes?", "referral codes?",
	"invite codes?", "invitation codes?", "postal codes?", "zip ?codes?",
	"post ?codes?", "area codes?", "country codes?", "sort codes?",
	"source codes?", "bar ?codes?", "qr ?codes?", "tracking codes?",
	"trace codes?", "track ?& ?trace", "swift codes?", "bic codes?",
	"tax codes?", "style codes?", "product codes?", "item codes?",
	"error codes?", "status codes?", "dress code", "access codes? for guests",
	"gutscheincodes?", "rabattcodes?", "aktionscodes?", "postleitzahl",
	"code postal", "codes? promo", "code de réduction",
	"código postal", "codigo postal",
	"códigos? (?:de )?(?:descuento|promocional)",
	"codigos? (?:de )?(?:descuento|promocional)",
	"cupón", "codice (?:postale|sconto|promozionale)", "\\bcap\\b",
	"kod pocztowy", "kod rabatowy", "kod promocyjny", "posta kodu",
	"indirim kodu", "kupon", "promocode", "kortingscode", "actiecode",
	"почтовый индекс", "промокод", "邮编", "邮政编码", "优惠码",
	"郵便番号", "クーポン", "رمز بريدي", "الرمز البريدي",
	NULL,
};

/* Words that name a one-time code, in many languages. "code" has no
 * left boundary so German and Dutch compounds (Bestätigungscode,
 * inlogcode) count; the not-code list above catches the false ones. */
static const char *const extract_rules_code[] = {
	"code", "\\bcodice", "\\bcódigo", "\\bcodigo", "\\bkod", "\\bkód", "\\bclave",
	"\\bpin\\b", "\\bpin-?code", "\\botp\\b", "\\bpass ?code",
	"one[- ]time", "\\btan\\b", "\\bmtan\\b", "\\btoken",
	"\\bsecurity key\\b", "\\bsenha\\b", "tek kullanımlık", "\\bşifre",
	"\\bкод", "одноразов", "\\bпароль", "验证码", "驗證碼", "校验码",
	"动态码", "认证码", "認證碼", "确认码", "確認碼", "动态密码", "验证代码",
	"コード", "認証番号", "確認番号", "ワンタイムパスワード", "パスコード",
	"暗証番号", "رمز", "كود", "الرمز", "인증번호", "인증 ?코드", "코드",
	"קוד", "κωδικ", "รหัส", "कोड", "\\bmã\\b",
	NULL,
};

/* Labels of numbers that are not codes: orders, tracking, references,
 * money, phones, postcodes, versions, dates. A label attaches to the
 * first number after it on its line and outweighs a code word further
 * away. */
static const char *const extract_rules_label[] = {
	/* orders, invoices, receipts */
	"\\border", "\\bbestell", "\\bcommande", "\\bpedido", "\\bordine",
	"\\bzamówieni", "\\bencomenda", "\\bsipariş", "заказ", "订单", "訂單",
	"注文", "\\binvoice", "\\brechnung", "\\bfactur", "\\bfattura",
	"\\bfatura", "\\bfaktur", "счет", "счёт", "发票", "發票", "請求書",
	"\\breceipt", "\\bquittung", "\\breçu", "\\brecibo", "\\bricevuta",
	/* shipping */
	"\\btrack", "\\bsendung", "\\bsuivi", "\\bseguimiento", "\\bspedizion",
	"\\bzending", "\\bprzesył", "\\bkargo", "\\bshipment", "\\bparcel",
	"\\bpaket", "\\bcolis", "\\bpaquete", "\\bpacco", "отслеж", "трек",
	"посылк", "运单", "快递", "追跡", "お問い合わせ番号", "\\bwaybill",
	/* references */
	"\\bref\\b", "\\bref\\.", "\\breference", "\\bréférence",
	"\\breferenz", "\\breferencia", "\\briferimento", "\\breferentie",
	"\\baktenzeichen", "\\bconfirmation (?:number|no)", "\\bprotocol",
	"\\bprotokoll", "\\biban", "\\bbic\\b", "\\bswift", "\\bvat\\b",
	"\\bust-?id", "\\bhrb\\b", "\\btax", "\\bsteuer", "\\bnif\\b",
	"\\bcif\\b", "\\bcpf\\b", "\\bcnpj", "\\bssn\\b", "\\blicen[cs]e",
	/* phones */
	"\\bphone", "\\btel\\b", "\\btel\\.", "\\btelefon", "\\btéléphone",
	"\\bteléfono", "\\btelefone", "\\btelefono", "\\bmobile", "\\bhandy",
	"\\bmobil", "\\bfax", "\\bcall\\b", "\\bcall us", "\\bhotline",
	"\\bwhatsapp", "\\bsms to", "телефон", "\\bтел\\b", "电话", "電話",
	"客服", "هاتف", "\\bgsm\\b", "\\bfreephone", "フリーダイヤル",
	/* addresses */
	"\\bzip\\b", "\\bpostal", "\\bpostcode", "\\bplz\\b", "\\bcep\\b",
	"\\bpo box", "\\bp\\. ?o\\. box", "\\bp\\.o\\. box", "\\bpostfach", "\\bapartado", "индекс",
	"〒", "\\bsuite\\b", "\\bapt\\b", "\\bunit\\b", "\\bfloor\\b",
	"\\broom\\b", "\\bzimmer", "\\bstreet", "\\bstraße", "\\bstrasse",
	/* money */
	"\\bamount", "\\btotal", "\\bprice", "\\bbetrag", "\\bmontant",
	"\\bimporte", "\\bimporto", "\\bbedrag", "\\bkwota", "\\btutar",
	"сумма", "金额", "金額", "مبلغ", "بمبلغ", "\\bbalance", "\\bsaldo", "\\bpoints",
	"\\bmiles", "\\bcredits", "\\bcard", "\\bkarte", "\\bcarte",
	"\\btarjeta", "\\bcartão", "\\bkarta", "\\bkart\\b", "карт",
	"\\bending in", "\\bending\\b", "\\bendet auf",
	/* things with version and model numbers */
	"\\bversion", "\\bbuild", "\\brelease", "\\bmodel", "\\bserial",
	"\\bpatch", "\\bflight", "\\bflug", "\\bvol\\b", "\\bvuelo",
	"\\bvolo", "\\bvlucht", "\\blot\\b", "\\bseats?\\b", "\\bgate\\b",
	"\\bplatform", "\\btrain\\b", "\\bzug\\b", "\\bbus\\b",
	"\\bmeter\\b", "\\breading", "\\bip\\b",
	/* generic numbering */
	"\\bno\\.", "\\bnr\\.?", "\\bn°", "\\bn\\. ", "\\bnumber",
	"\\bnummer", "\\bnuméro", "\\bnúmero", "\\bnumero", "\\bnumara",
	"\\bnumer\\b", "номер", "№", "号码", "编号", "番号", "\\bid\\b",
	"\\bdate", "\\bdatum", "\\bfecha", "\\btarih",
	"\\bsince\\b", "\\bseit\\b", "\\bdepuis",
	"©", "\\(c\\)", "\\bcopyright",
	NULL,
};

/* Nouns that often precede their own number ("request 2049") but also
 * appear in sentences about a code ("the code for your application:").
 * They count as labels only when no code word came earlier in the
 * sentence. */
static const char *const extract_rules_noun[] = {
	"\\bvorgang", "\\bcase\\b", "\\bticket", "\\bclaim", "\\bpolicy",
	"\\bpolizza", "\\bpolice\\b", "\\bbooking", "\\breservation",
	"\\breserva", "\\bprenotazion", "\\bbuchung", "\\brezerwac",
	"\\brezervasyon", "бронир", "预订", "予約", "\\bapplication",
	"\\bantrag", "\\bdossier", "\\bsolicitud", "\\bdomanda",
	"\\baanvraag", "\\bwniosek", "\\bbaşvuru", "заявк", "申请", "申請",
	"\\brequest\\b", "\\banfrage", "\\bdemande", "\\bpetición",
	"\\brichiesta", "\\bverzoek", "\\btalep", "\\btransa[ck]",
	"\\btransfer\\b", "\\bumsatz", "\\boperaci", "\\boperazion",
	"\\bmember", "\\bmitglied", "\\bcustomer", "\\bkunden",
	"\\bclient\\b", "\\bcliente", "\\bklant", "\\bstudent",
	"\\bmatrikel", "\\bpatient", "\\bkonto", "\\baccount",
	"\\bcontract", "\\bvertrag", "\\bcontrat", "\\bcontrato",
	"\\bcontratto", "\\bjob\\b", "\\bbatch", "\\btrip\\b",
	"\\bride\\b", "\\bregistration",
	NULL,
};

/* "Enter 3318 in the app": an instruction to type the number. */
static const char *const extract_rules_enter[] = {
	"\\benter\\b", "\\btype\\b", "\\buse\\b", "\\beingeben",
	"\\bgeben sie", "\\bsaisisse?z", "\\bentre[zr]?\\b",
	"\\bintroduce", "\\bingres[ae]", "\\binserisci", "\\bdigita",
	"\\bvoer\\b", "\\bwpisz", "\\bwprowadź", "\\bgirin", "\\bgiriniz",
	"введите", "输入", "入力", "أدخل", "\\bdigite", "\\binsira",
	NULL,
};

/* Words around a code request: weaker than a code word. */
static const char *const extract_rules_intent[] = {
	"verif", "\\bconfirm", "\\bsign[- ]?in", "\\blog[- ]?in",
	"\\bsigning in", "\\blogging in", "\\bauthenticat", "\\b2fa\\b",
	"two[- ]factor", "\\b2-step", "\\bmfa\\b", "\\bbestätig",
	"\\banmeld", "\\bvérifi", "\\bconnexion", "\\bverific",
	"\\bacceso", "\\binicia", "\\baccesso", "\\baccedi", "\\bbevestig",
	"\\binlog", "\\bweryfik", "\\blogowan", "\\bpotwierd", "doğrula",
	"\\bgiriş", "\\bonay", "подтвержд", "\\bвход", "验证", "登录", "登入",
	"認証", "確認", "ログイン", "تحقق", "تأكيد", "الدخول", "\\bverificação",
	"\\bacesso", "\\bactivat", "\\baktivier", "\\bactiver",
	"\\bactivar", "\\battiva", "\\bativar", "\\bactiveer",
	"\\baktyw", "\\betkinleştir", "активир", "激活", "有効化", "تفعيل",
	"\\bmagic link",
	NULL,
};

/* Shop talk: a "code" in the same sentence is a discount code. */
static const char *const extract_rules_promo[] = {
	"\\bcheckout", "% off", "\\bdiscount", "\\bsale\\b", "\\boffer\\b",
	"\\bcoupon", "\\bvoucher", "\\bsave \\d", "\\brabatt",
	"\\bgutschein", "\\bréduction", "\\bremise", "\\bdescuento",
	"\\bsconto", "\\bkorting", "\\bindirim", "\\bzniżk", "\\brabat",
	"скидк", "优惠", "折扣", "割引", "خصم", "\\bdesconto",
	NULL,
};


/* A code in a sentence with one of these is an earlier, dead one. */
static const char *const extract_rules_stale[] = {
	"\\bearlier\\b", "\\bprevious", "\\bold(?:er)?\\b", "no longer",
	"\\bexpired\\b", "\\bignore", "\\binvalid", "\\breplaced",
	"\\bsuperseded", "\\bformer", "\\bfrüher", "\\bvorherig",
	"\\balte[nrs]?\\b", "ungültig", "nicht mehr", "abgelaufen",
	"précédent", "\\bancien", "n'est plus", "\\bexpiré", "\\binvalide",
	"\\banterior", "ya no", "\\bcaducad", "\\bexpirado", "\\binválid",
	"\\bprecedent", "non è più", "\\bscadut", "\\bvecchio", "\\bvorige",
	"\\beerdere", "\\boude\\b", "niet meer", "\\bverlopen", "\\bongeldig",
	"\\bpoprzedni", "\\bwcześniej", "nieważn", "\\bwygasł", "\\bönceki",
	"\\beski\\b", "\\bartık", "geçersiz", "não é mais", "\\bnão vale",
	"предыдущ", "прежн", "\\bстар", "больше не", "недействител",
	"之前", "此前", "旧", "失效", "作废", "以前", "前回", "無効", "古い",
	"السابق", "القديم", "لم يعد",
	NULL,
};

const char *const extract_rules_quote_intro[] = {
	"^On .{0,300}wrote:[ \\t]*$",
	"^Am .{0,300}schrieb.{0,100}:[ \\t]*$",
	"^Le .{0,300}a écrit ?:[ \\t]*$",
	"^El .{0,300}escribió:[ \\t]*$",
	"^Em .{0,300}escreveu:[ \\t]*$",
	"^Il .{0,300}ha scritto:[ \\t]*$",
	"^Op .{0,300}schreef.{0,100}:[ \\t]*$",
	"^W dniu .{0,300}napisał.{0,100}:[ \\t]*$",
	"^.{0,300}tarihinde .{0,200}yazdı:[ \\t]*$",
	"^.{0,300}написал.{0,100}:[ \\t]*$",
	"^-{2,} ?(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
	"|Mensaje original|Messaggio originale|Oorspronkelijk bericht) ?-{2,}",
	"^From: .{1,300}\\nSent: ",
	"^Von: .{1,300}\\nGesendet: ",
	"^De ?: .{1,300}\\n(?:Envoyé|Enviado) ?: ",
	NULL,
};

const char *const extract_rules_currency[] = {
	"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5", "\xe2\x82\xba",
	"\xe2\x82\xbd", "\xe2\x82\xb9", "zł", "TL", "USD", "EUR", "GBP",
	"CHF", "TRY", "RUB", "руб", "CNY", "RMB", "元", "円", "JPY", "PLN",
	"BRL", "R$", "kr", "SEK", "NOK", "DKK", "AED", "SAR", "Kč", "CAD",
	"AUD", "MXN", "INR", "Rs", "р.", "ريال", "درهم", "جنيه",
	NULL,
};

const char *const extract_rules_link_good[] = {
	"verif", "confirm", "activat", "activ[ae]r", "aktivier", "attiva",
	"magic", "\\bauth",
	"validat", "opt-?in", "subscribe/confirm", "\\btoken", "bestaetig",
	"bestätig", "conferm", "bevestig", "potwierd", "onayla", "dogrula",
	"doğrula", "подтверд", "актив", "激活", "验证", "確認", "認証",
	"تأكيد", "تفعيل", "ativar", "verifica",
	NULL,
};

static const char *const extract_rules_link_word[] = {
	"\\blink", "\\bclick", "\\bbutton", "\\bklick", "\\blien\\b",
	"\\bcliquez", "\\benlace", "\\bhaz clic", "\\bcollegamento",
	"\\bclicca", "\\bkoppeling", "\\bklik", "\\blink", "\\bodnośnik",
	"\\bbağlantı", "ссылк", "链接", "鏈接", "リンク", "رابط",
	NULL,
};

const char *const extract_rules_link_bad[] = {
	"unsubscribe", "opt-?out", "preferences", "privacy", "terms",
	"legal", "\\bhelp", "support", "\\bfaq", "contact", "facebook",
	"twitter", "instagram", "linkedin", "youtube", "tiktok",
	"\\.(?:png|jpe?g|gif|svg)\\b", "pixel", "/open", "webversion",
	"view.?in.?browser", "security", "settings", "report", "abmelden",
	"désinscri", "desuscri", "\\bbaja\\b", "cancella", "afmeld",
	"wypisz", "отпис", "退订", "配信停止", "download", "apps?\\.apple",
	"play\\.google", "\\bblog\\b", "careers", "\\bjobs\\b", "status\\.",
	NULL,
};

const struct extract_rules_keywords extract_rules_keywords[] = {
	{ EXTRACT_KW_NOTCODE, "not a code", extract_rules_notcode },
	{ EXTRACT_KW_PROMO, "promotion", extract_rules_promo },
	{ EXTRACT_KW_CODE, "code word", extract_rules_code },
	{ EXTRACT_KW_LABEL, "label", extract_rules_label },
	{ EXTRACT_KW_NOUN, "noun", extract_rules_noun },
	{ EXTRACT_KW_ENTER, "enter", extract_rules_enter },
	{ EXTRACT_KW_INTENT, "intent", extract_rules_intent },
	{ EXTRACT_KW_STALE, "stale", extract_rules_stale },
	{ EXTRACT_KW_LINKWORD, "link word", extract_rules_link_word },
};
