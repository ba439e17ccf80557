/* SPDX-License-Identifier: MIT */
/* Table tests for code and link extraction from decoded text. */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_kw.h"
#include "html_text.h"
#include "msgtest.h"

#define TEST_SUITE_NAME "extract"

struct extract_case {
	const char *name;
	const char *subject;
	const char *body;
	bool html;
	const char *code; /* NULL: no code may be chosen */
	const char *link; /* NULL: no link may be chosen */
};

/* Messages that carry a code, in many shapes and languages. */
static const struct extract_case extract_codes[] = {
    {"plain six digits", "Your sign-in code",
     "Hi,\n\nYour sign-in code is 482913.\nIt expires in 10 minutes.\n", false,
     "482913", NULL},
    {"code on its own line", "Confirm your address",
     "Use the code below to confirm your address:\n\n    660145\n\n"
     "Thanks, the Orbit team\n",
     false, "660145", NULL},
    {"leading zero kept", "Login",
     "Your one-time passcode: 031877\nDo not share it.\n", false, "031877",
     NULL},
    {"spaced groups", "Verification",
     "Verification code: 552 019\nRequested at 14:22 from 198.51.100.7\n",
     false, "552019", NULL},
    {"hyphenated groups", "Code",
     "Enter the code 771-204 in the app. Order 5512-3380 is on its way.\n",
     false, "771204", NULL},
    {"digit per space", "Code", "Your PIN:\n  4 9 1 7\nValid for 3 minutes.\n",
     false, "4917", NULL},
    {"eight digits near an amount", "Payment approval",
     "You are paying EUR 1.240,00 to Kiosk GmbH on 03/04/2025.\n"
     "Your TAN is 80417736. Call 030 1234 5678 if this was not you.\n",
     false, "80417736", NULL},
    {"code after the number", "Welcome",
     "918273 is your Tallyho verification code.\n", false, "918273", NULL},
    {"prefixed code", "Account code",
     "Your code is Q-458120. Type only the digits after Q-.\n", false, "458120",
     NULL},
    {"alphanumeric grouped", "Approve",
     "Enter this one-time token to approve: 9KX4-T2WQ\n"
     "Version 3.12.0 was published on 12.02.2025.\n",
     false, "9KX4T2WQ", NULL},
    {"alphanumeric short", "Steam-like guard",
     "Here is the guard code you need to log in: 7QM4X\n"
     "Login attempt from 203.0.113.9.\n",
     false, "7QM4X", NULL},
    {"letters only grouped", "Device login",
     "Open https://devices.example/activate and enter this user code:\n\n"
     "    KTPW-XMRD\n\nIt expires in 15 minutes.\n",
     false, "KTPWXMRD", NULL},
    {"new code, earlier one invalid", "New code",
     "We sent you a new code.\n\nYour code: 338 120\n\n"
     "The code we sent earlier (902 114) no longer works.\n",
     false, "338120", NULL},
    {"old code mentioned first", "Your code",
     "The previous code 114922 has expired.\nNew code: 600731\n", false,
     "600731", NULL},
    {"code in subject only", "Your code is 30 41 77",
     "Open the app and type the code from the subject line.\n", false, "304177",
     NULL},
    {"quoted older message ignored", "Re: access",
     "Hello,\nhere is a fresh code: 582047\n\nOn Tue, 4 Mar 2025 at 10:00, "
     "Desk <desk@example.org> wrote:\n> Your code is 119933.\n",
     false, "582047", NULL},
    {"German", "Ihr Bestätigungscode",
     "Hallo,\nIhr Bestätigungscode lautet 447 190.\nKundennummer: "
     "55012337, PLZ 10115 Berlin.\n",
     false, "447190", NULL},
    {"French", "Votre code",
     "Bonjour,\nvotre code de vérification est : 203 944\nMontant : "
     "49,90 €, commande n° 7781230.\n",
     false, "203944", NULL},
    {"Spanish", "Código",
     "Tu código de acceso es 6120. Caduca en 5 minutos.\nTel. 912 345 "
     "678\n",
     false, "6120", NULL},
    {"Italian", "Codice",
     "Il tuo codice di verifica: 90317\nOrdine n. 4471203, CAP 00184.\n", false,
     "90317", NULL},
    {"Dutch", "Inlogcode", "Je inlogcode is 771 402. Postcode 1012 AB.\n",
     false, "771402", NULL},
    {"Polish", "Kod",
     "Twój kod weryfikacyjny: 318 802\nZamówienie nr 90112233.\n", false,
     "318802", NULL},
    {"Turkish", "Doğrulama kodu",
     "Doğrulama kodunuz: 509 318\nSipariş numaranız 3342198710.\n", false,
     "509318", NULL},
    {"Russian", "Код подтверждения",
     "Ваш код подтверждения: 73190\nНомер заказа 55120098.\n", false, "73190",
     NULL},
    {"Chinese", "验证码",
     "您的验证码是：428017，10分钟内有效。订单号 20250301123456789。\n", false,
     "428017", NULL},
    {"Japanese full-width", "認証コード",
     "認証コード：３８１９０５\n有効期限は30分です。\n", false, "381905", NULL},
    {"Arabic", "رمز التحقق",
     "رمز التحقق الخاص بك هو: 902716\nللاستفسار: 800123456\n", false, "902716",
     NULL},
    {"Portuguese", "Código",
     "Seu código de verificação é 7720. CEP 01310-100.\n", false, "7720", NULL},
    {"enter instruction without code word", "Confirm your e-mail",
     "Almost done! Enter 5521 in the app to confirm your e-mail.\n", false,
     "5521", NULL},
    {"zero-width and no-break spaces removed", "Code",
     "Your code: 12\xe2\x80\x8b"
     "34\xc2\xa0"
     "56\n",
     false, "123456", NULL},
    {"html cells", "Sign in",
     "<html><body><p>Enter this code to sign in:</p><table><tr>"
     "<td>4</td><td>0</td><td>9</td><td>1</td><td>7</td><td>3</td>"
     "</tr></table><p style=\"color:#333333\">Support: +1 555 0100</p>"
     "</body></html>",
     true, "409173", NULL},
    {"html spans", "Sign in",
     "<div>Your code is <b><span>8</span><span>8</span><span>1</span>"
     "<span>0</span><span>2</span><span>6</span></b></div>"
     "<div>&copy; 2025 Example Ltd, 12 High St</div>",
     true, "881026", NULL},
    {"hidden preheader and style", "Code",
     "<html><head><style>.a{color:#121212}</style></head><body>"
     "<div style=\"display:none\">Your code 111111</div>"
     "<p>Your verification code:</p><h1>520773</h1></body></html>",
     true, "520773", NULL},
    {"year-like code right after the code word", "Login",
     "Your login code: 2024\nIt expires in 5 minutes.\n", false, "2024", NULL},
    {"mixed-case code", "Your code", "Your one-time code is: x7Kp29\n", false,
     "x7Kp29", NULL},
    {"one block per digit", "Verify",
     "<p>Your verification code:</p><div>3</div><div>0</div><div>9</div>"
     "<div>1</div><div>4</div><div>7</div><p>Valid 10 minutes.</p>",
     true, "309147", NULL},
    {"Polish one-time password", "Twoje hasło jednorazowe",
     "Twoje hasło jednorazowe to 665201. Hasło jest ważne 5 minut.\n", false,
     "665201", NULL},
    {"three and three letters and digits", "Confirmation code",
     "Your confirmation code is below:\n\nK7X-9PQ\n", false, "K7X9PQ", NULL},
    {"French, the old code on the next line", "Votre code",
     "Votre code de connexion : 81 90 44\nL'ancien code 11 22 33 n'est "
     "plus valable.\n",
     false, "819044", NULL},
    {"Polish, the old code on the next line", "Twój kod",
     "Twój kod weryfikacyjny: 4471\nPoprzedni kod 9921 jest już "
     "nieważny.\n",
     false, "4471", NULL},
    {"Japanese, the old code on the next line", "確認コード",
     "確認コード：５５８２０１\n※以前のコード１２３４５６は無効です。\n", false,
     "558201", NULL},
    {"Dutch, the old code first", "Uw nieuwe code",
     "Uw vorige code (5521) is niet meer geldig.\nUw nieuwe code is "
     "7730.\n",
     false, "7730", NULL},
    {"four digits far from any code word", "Your Fjord verification code",
     "<p>Thanks for choosing Fjord, the calm way to manage your family's "
     "paperwork, bills and documents in one private place. We hope you "
     "enjoy the many features that make everyday life a little easier.</p>"
     "<p>To finish setting things up, use the number below.</p>"
     "<table><tr><td style=\"font-size:30px\">4827</td></tr></table>"
     "<p>Fjord AS, Karl Johans gate 1, 0154 Oslo</p>",
     true, "4827", NULL},
    {"Chinese without spaces", "验证码", "您的验证码123456请勿泄露给他人。\n",
     false, "123456", NULL},
    {"Japanese without spaces, emphasised", "認証",
     "<p>認証コードは<b>482019</b>です。</p>", true, "482019", NULL},
    {"custom pattern style text", "Code",
     "Verification code (valid for 10 minutes): 441902\n", false, "441902",
     NULL},
};

/* Messages that must not give a code. */
static const struct extract_case extract_none[] = {
    {"receipt", "Your receipt",
     "Order #88120447\nTotal: $129.99\nPaid on 2025-03-12 at 14:05\n"
     "Questions? Call 1-800-555-0199.\n",
     false, NULL, NULL},
    {"shipping", "Your parcel is on its way",
     "Tracking number: 1Z999AA10123456784\nEstimated delivery: 14 March "
     "2025 between 09:00 and 13:00.\nDepot: 4471 Logistics Park, ZIP "
     "60601.\n",
     false, NULL, NULL},
    {"promo code", "Spring sale",
     "Save 20% this weekend. Use promo code SPRING25 at checkout.\n"
     "Offer ends 31/03/2025.\n",
     false, NULL, NULL},
    {"discount code in a box", "Our gift to you",
     "<p>Enjoy 15% off your next order. Enter the code below at "
     "checkout.</p><h2>WELCOME15</h2><p>&copy; 2025 Shopz</p>",
     true, NULL, NULL},
    {"years and dates", "Newsletter",
     "Since 2012 we have planted 40,000 trees. Our 2025 report is out on "
     "12.05.2025. See you in 2026!\n",
     false, NULL, NULL},
    {"times and phones", "Opening hours",
     "Open 09:00-17:30. Phone +44 20 7946 0958 or 0800 123 4567.\n", false,
     NULL, NULL},
    {"prices", "Price drop",
     "The Aero 5000 is now 1299 EUR (was 1499 EUR). Free shipping over "
     "50 EUR.\n",
     false, NULL, NULL},
    {"booking reference", "Booking confirmed",
     "Booking reference: XKJ7PQ\nFlight LH 2041 departs 07:35, seat "
     "14C, gate B12.\nE-ticket 220-4412345678.\n",
     false, NULL, NULL},
    {"password changed", "Your password was changed",
     "The password for your account was changed on 3 March 2025 at "
     "11:02 from IP 192.0.2.44. Reference 55012. If this wasn't you, "
     "contact support.\n",
     false, NULL, NULL},
    {"css colours and sizes", "Weekly digest",
     "<html><head><style>body{color:#333333} .x{width:1440px}</style>"
     "</head><body><p>You have 12 new followers and 140 likes.</p>"
     "<p style=\"color:#999999\">Member since 2019</p></body></html>",
     true, NULL, NULL},
    {"url digits", "Your statement",
     "Your statement is ready: https://bank.example/s/884120?id=552011\n",
     false, NULL, NULL},
    {"postal code phrase", "Address updated",
     "We updated your address. Postal code 02142, suite 400.\n", false, NULL,
     NULL},
    {"invoice", "Invoice 2025-0114",
     "Invoice number 77120934 for 49.00 USD is attached. Customer ID "
     "330019.\n",
     false, NULL, NULL},
    {"only an old code", "Re: your code",
     "Thanks. The code 440192 you mentioned has expired and is no "
     "longer valid.\n",
     false, NULL, NULL},
    {"version numbers", "Patch notes",
     "Patch 4.2.1 is live. Build 20250301 fixes 37 bugs. Server EU-3 "
     "restarts at 04:00.\n",
     false, NULL, NULL},
    {"number right at the start (fuzz find)", "x 123456", "a 654321", false,
     NULL, NULL},
    {"device names and years", "New sign-in",
     "A new sign-in from iPhone15 on iOS 17.2 in 2025. If this was you, "
     "nothing to do.\n",
     false, NULL, NULL},
    {"early-bird code in a newsletter", "March news",
     "Join 25,000 developers at DevConf 2025. Early-bird code: DEV25 "
     "saves 20% until 31 March.\n",
     false, NULL, NULL},
    {"invitation", "You're invited",
     "<p>Jessie invited you to Boardly.</p><p><a href=\"https://b.example"
     "/invite/accept?token=9f8e7d6c5b4a39281706\">Accept invitation</a>"
     "</p>",
     true, NULL, NULL},
    {"meeting invitation with a passcode", "Invitation: weekly sync",
     "Join Zoom Meeting\nhttps://zoom.example/j/81233456789\n\nMeeting ID: "
     "812 3345 6789\nPasscode: 441190\n\nDial-in: +1 646 555 0199\n",
     false, NULL, NULL},
    {"airline reservation code", "Your trip to Lisbon",
     "Your reservation code is KX7P2Q. Flight TP 1351 departs 07:40 from "
     "gate 12.\n",
     false, NULL, NULL},
    {"you are verified", "You're verified",
     "Thanks, your e-mail address is now verified. Nothing else to do.\n",
     false, NULL, NULL},
};

/* Link-only verification mail, and links that are not for clicking. */
static const struct extract_case extract_links[] = {
    {"activation link", "Activate your account",
     "Welcome! To activate your account, open this link (valid 48 "
     "hours):\nhttps://app.example/account/activate?u=77&k=Q9X2Z8WQ4\n",
     false, NULL, "https://app.example/account/activate?u=77&k=Q9X2Z8WQ4"},
    {"html confirm button", "Confirm your e-mail",
     "<p>Please confirm your e-mail address.</p>"
     "<a href=\"https://mail.example/confirm?t=8f3a9c2d1e7b&amp;u=12\">"
     "Confirm e-mail</a>"
     "<p><a href=\"https://mail.example/unsubscribe?u=12\">Unsubscribe"
     "</a></p>",
     true, NULL, "https://mail.example/confirm?t=8f3a9c2d1e7b&u=12"},
    {"code beats link", "Verify",
     "Your verification code is 610992, or click "
     "https://v.example/verify?t=abcdef123456789\n",
     false, "610992", NULL},
    {"newsletter links", "News",
     "<p>Read more on our <a href=\"https://news.example/blog/42\">blog"
     "</a>.</p><a href=\"https://news.example/unsubscribe\">Unsubscribe"
     "</a>",
     true, NULL, NULL},
    {"magic sign-in link", "Your sign-in link",
     "<p>Click the button below to log in to Orbit. The link expires in 15 "
     "minutes.</p><p><a href=\"https://orbit.example/login/link?t="
     "Zk29fQ0pLw8sZ3aRx81\">Log in to Orbit</a></p>",
     true, NULL, "https://orbit.example/login/link?t=Zk29fQ0pLw8sZ3aRx81"},
    {"statement sign in button", "Your March statement is ready",
     "<p>Your statement for March is ready. Sign in to view it.</p><p><a "
     "href=\"https://bank.example/login\">Sign in</a></p><p>Balance: "
     "1,204.55 EUR.</p>",
     true, NULL, NULL},
    {"statement sign in", "Statement ready",
     "Sign in to view your statement: https://bank.example/login\n", false,
     NULL, NULL},
};

/* The families of harder mail, one table row per shape; each family has
 * rows that must give the code and rows that must give nothing. */
static const struct extract_case extract_families[] = {
    /* 1. separators */
    {"sep: thin space in HTML", "Confirm your purchase",
     "<p>Your total is $2,618.40. Enter this code:</p>"
     "<p><b>618&thinsp;402</b></p>",
     true, "618402", NULL},
    {"sep: narrow no-break space", "Code de connexion",
     "Votre code : 305\xe2\x80\xaf"
     "118\nColis 8837 2210 4410, tél. 01 44 55 "
     "66 77.\n",
     false, "305118", NULL},
    {"sep: dotted pairs", "Ihre TAN",
     "Überweisung vom 12.03.2025 über 318,00 EUR.\nIhre TAN lautet: "
     "71.40.26\n",
     false, "714026", NULL},
    {"sep: every digit spaced with a hyphen", "Код входа",
     "Ваш код:\n\n3 0 7 - 5 5 1\n\nПоездка № 88 120.\n", false, "307551", NULL},
    {"sep: letters and digits in two spaced groups", "Recovery code",
     "Type this recovery code into the app:\n\n    T7QX 9MWB\n\nVault id: "
     "2F-88310.\n",
     false, "T7QX9MWB", NULL},
    {"sep: letters at both ends are typed", "Your access code",
     "Your one-time access code is:\n\n    KD-5519-QP\n\nReference "
     "GB-2025-0095519.\n",
     false, "KD5519QP", NULL},
    {"sep: spaced code beside a helpline of the same digits", "Kod",
     "Twój kod: 604 118. Infolinia +48 22 604 11 80.\n", false, "604118", NULL},
    {"sep: mixed-case key without a code word", "Bekräfta inloggning",
     "Klistra in följande i rutan:\n\n    Tq8wR3\n\nIP 192.0.2.7, "
     "version 4.12.\n",
     false, "Tq8wR3", NULL},
    /* code words in more languages, compounds included */
    {"lang: Finnish", "Vahvistuskoodi",
     "Vahvistuskoodisi on 582017. Tilaus 11884.\n", false, "582017", NULL},
    {"lang: Hungarian", "Ellenőrző kód",
     "Az ellenőrző kódja: 582017. Rendelés 11884.\n", false, "582017", NULL},
    {"lang: Romanian", "Codul tău",
     "Codul tău de verificare este 582017. Comanda 11884.\n", false, "582017",
     NULL},
    {"lang: Swedish compound", "Engångskod",
     "Din engångskod är 582017. Order 11884.\n", false, "582017", NULL},
    {"lang: Norwegian, 'din' is not a label", "Engangskode",
     "Engangskoden din er 582017. Ordre 11884.\n", false, "582017", NULL},
    /* 2. letter boxes */
    {"box: one cell per digit with comments", "Sign in",
     "<table><tr>\n <td>5</td>\n <!-- gap -->\n <td>0</td>\n <td>9</td>"
     "<td>3</td>\n</tr></table><p>is your sign-in code.</p>",
     true, "5093", NULL},
    {"box: one span per character", "Tu código",
     "<p>Tu código:</p><div><span>K</span>\n<span>4</span>\n<span>W"
     "</span>\n<span>7</span>\n<span>P</span>\n<span>2</span></div>",
     true, "K4W7P2", NULL},
    /* 3. invisible characters */
    {"invisible: zero-width joiner and non-joiner", "Kode verifikasi",
     "Kode verifikasi Anda: 58\xe2\x80\x8c"
     "31\xe2\x80\x8d"
     "07\nTotal Rp "
     "58.310\n",
     false, "583107", NULL},
    {"invisible: word joiners and BOMs", "验证码",
     "\xef\xbb\xbf验证码：\xef\xbb\xbf"
     "4\xe2\x81\xa0"
     "1\xe2\x81\xa0"
     "9"
     "\xe2\x81\xa0"
     "2\xe2\x81\xa0"
     "7\xe2\x81\xa0"
     "0\xef\xbb\xbf\n",
     false, "419270", NULL},
    {"invisible: soft hyphens in HTML", "Ihr Code",
     "<p>Ihr Code: <b>27&shy;45&shy;19</b></p>", true, "274519", NULL},
    /* 4. hidden text */
    {"hidden: class rule display:none", "Ihr Code",
     "<html><head><style>.alt { display: none !important }</style></head>"
     "<body><p class=\"alt\">Ihr Code: 111111</p><p>Ihr Code:</p>"
     "<p><b>222222</b></p></body></html>",
     true, "222222", NULL},
    {"hidden: font-size:0", "Code",
     "<div style=\"font-size:0;line-height:0\">Your code is 111111</div>"
     "<p>Your code:</p><p><b>222222</b></p>",
     true, "222222", NULL},
    {"hidden: visibility:hidden", "Code",
     "<p><span style=\"visibility: hidden\">Code: 111 111</span></p>"
     "<p>Code: <b>222 222</b></p>",
     true, "222222", NULL},
    {"hidden: opacity 0 with height 0", "Code",
     "<div style=\"opacity:0;height:0;overflow:hidden\">code 111111</div>"
     "<p>Your code is <b>222222</b></p>",
     true, "222222", NULL},
    {"hidden: white on a white cell", "Security code",
     "<table><tr><td bgcolor=\"#FFF\"><font color=\"#ffffff\">Security code "
     "111111</font></td></tr></table><p>Your security code:</p><p><b>"
     "222222</b></p>",
     true, "222222", NULL},
    {"hidden: max-height preheader", "Seu código",
     "<div style=\"max-height:0;overflow:hidden\">Seu código: 111111</div>"
     "<p>Seu código:</p><p><b>222222</b></p>",
     true, "222222", NULL},
    /* 5. decoys beside the code */
    {"decoy: IBAN and amount on the line", "Uw code",
     "Uw code: 406 118 voor de betaling van € 40,61 naar NL20 INGB 0001 "
     "2345 67.\n",
     false, "406118", NULL},
    {"decoy: account number of the same length above", "Код підтвердження",
     "Особовий рахунок: 30118842\nКод підтвердження: 62019374\n", false,
     "62019374", NULL},
    {"decoy: a number right above 'Code:' is not named by it", "Code",
     "Für die Anmeldung brauchen Sie einen Code.\n\nZählernummer: "
     "40018823\nCode: 71554096\n",
     false, "71554096", NULL},
    {"decoy: a code quoted in a bottom-posted reply", "Re: login",
     "On Mon, 3 Mar 2025, Desk <desk@example.org> wrote:\n> Your code was "
     "111111.\n\nThat one expired; here is a new one:\n\n640128\n",
     false, "640128", NULL},
};

/* Mail about codes that carries none (families 5 and 7). */
static const struct extract_case extract_families_none[] = {
    {"none: newsletter quoting a sample message", "Auth digest #12",
     "Tip: \"Your verification code is 123456\" in a subject line leaks "
     "to lock screens.\nExample: otp = \"482910\" (for example only).\n"
     "The TOTP spec is RFC 6238.\n",
     false, NULL, NULL},
    {"none: gift card PIN", "Votre carte cadeau",
     "<table><tr><td>Numéro de carte</td><td>6006 4911 0042 7731</td></tr>"
     "<tr><td>Code PIN</td><td><b>5512</b></td></tr></table>",
     true, NULL, NULL},
    {"none: coupon in a sales subject", "25% off this week",
     "<p>Use code <b>SUMMER25</b> at checkout.</p>", true, NULL, NULL},
    {"none: hyphenated coupon, once per customer", "Rabatt",
     "Mit dem Gutscheincode SAVE-15 sparst du 15 % auf deine Bestellung.\n"
     "Gültig einmal pro Kundenkonto.\nMusterstraße 1, 20097 Hamburg\n",
     false, NULL, NULL},
    {"none: a sample code in an article", "Weekly security digest",
     "<h2>How OTP works</h2><p>A code such as <code>381027</code> is "
     "generated every 30 seconds.</p>",
     true, NULL, NULL},
    {"none: gift card activation code after its security code",
     "Activate your card",
     "Card number 6035 7711 2290 4411\nSecurity code: 482\nActivation "
     "code: 771122\n",
     false, NULL, NULL},
    {"none: German meeting passcode", "Einladung: Besprechung",
     "Besprechungs-ID: 384 112 998 21\nKenncode: x7Pq2m\nEinwahl: +49 69 "
     "1234 5678\n",
     false, NULL, NULL},
    {"none: sign-in alert", "¿Fuiste tú?",
     "Alguien intentó iniciar sesión desde 203.0.113.4 a las 10:42. Si no "
     "fuiste tú, cambia tu contraseña. ID de evento 884120.\n",
     false, NULL, NULL},
    {"none: brand name starting with a code word", "Välkommen",
     "Kodbas AB, Götgatan 22, 118 46 Stockholm\n", false, NULL, NULL},
};

/* Link-only mail (family 6). */
static const struct extract_case extract_families_links[] = {
    {"link: Polish magic sign-in, subject asks", "Twój link do logowania",
     "Kliknij, aby zalogować się bez hasła:\nhttps://sklep.example/auth/"
     "magic/2b1c?next=%2Fkonto\nLink jest jednorazowy.\n",
     false, NULL, "https://sklep.example/auth/magic/2b1c?next=%2Fkonto"},
    {"link: tracking redirect to a verify page", "Verifique seu e-mail",
     "<p>Você pediu um link para entrar sem senha.</p><p><a href=\""
     "https://t.mail.example/c/eJyrVkrNS1Wy?u=https%3A%2F%2Fid.example"
     "%2Fverify%3Ft%3D9c2e7a41\">Entrar</a></p>",
     true, NULL,
     "https://t.mail.example/c/eJyrVkrNS1Wy?u=https%3A%2F%2Fid.example"
     "%2Fverify%3Ft%3D9c2e7a41"},
    /* Escapes that decode to bytes which are not UTF-8 (a lone lead
     * byte, an overlong '/', a surrogate): the fuzzer's crash in the
     * pattern JIT, which trusts its subject to be UTF-8. */
    {"link: redirect escapes that are not UTF-8", "Verify your e-mail",
     "<p><a href=\"https://t.mail.example/r/?p=https%3A%2F%2Fid.example"
     "%2Fverify%3Ftoken%D9c2e7%C0%AF%ED%A0%80%F4%90%80%80\">Verify</a></p>",
     true, NULL,
     "https://t.mail.example/r/?p=https%3A%2F%2Fid.example"
     "%2Fverify%3Ftoken%D9c2e7%C0%AF%ED%A0%80%F4%90%80%80"},
    {"link: Turkish verification, subject asks", "Kaydınızı doğrulayın",
     "Kaydınızı tamamlamak için aşağıdaki bağlantıyı açınız:\n"
     "https://e.example/dogrula/6b8e2d10?k=88412\n",
     false, NULL, "https://e.example/dogrula/6b8e2d10?k=88412"},
    {"link: password reset counts", "Reset your password",
     "<p>Click below to choose a new password.</p><p><a href=\""
     "https://acct.example/password/reset?token=Zx81kQ0pLw8sZ3aR\">Reset "
     "password</a></p>",
     true, NULL, "https://acct.example/password/reset?token=Zx81kQ0pLw8sZ3aR"},
    {"link: Italian, a tracking link and words only",
     "Conferma il tuo indirizzo",
     "Clicca sul link per confermare il tuo indirizzo "
     "email:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Russian, a tracking link and words only", "Подтвердите адрес",
     "Чтобы подтвердить адрес, перейдите по "
     "ссылке:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Ukrainian, a tracking link and words only", "Підтвердіть адресу",
     "Щоб підтвердити адресу, перейдіть за "
     "посиланням:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Swedish, a tracking link and words only",
     "Bekräfta din e-postadress",
     "Klicka på länken nedan för att bekräfta din "
     "adress:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Czech, a tracking link and words only", "Potvrďte svůj e-mail",
     "Kliknutím na odkaz níže potvrdíte svou "
     "adresu:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Korean, a tracking link and words only", "이메일 주소를 인증하세요",
     "아래 링크를 클릭하여 이메일 주소를 "
     "인증하세요.\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Vietnamese, a tracking link and words only",
     "Xác minh email của bạn",
     "Nhấp vào liên kết bên dưới để xác minh email của "
     "bạn:\nhttps://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81\n",
     false, NULL, "https://t.example/ls/click?upn=Zk29fQ0pLw8sZ3aRx81"},
    {"link: Spanish password reset behind a short redirect",
     "Restablece tu contraseña",
     "<p>Haz clic en el botón para restablecer tu contraseña.</p><p><a "
     "href=\"https://u.example/r/Zk29fQ0pLw8sZ3aRx81\">Restablecer "
     "contraseña</a></p>",
     true, NULL, "https://u.example/r/Zk29fQ0pLw8sZ3aRx81"},
    {"link: a requested reset with its disclaimer before the button",
     "Reset your password",
     "<p>Someone asked to reset your password. If you did not ask, ignore "
     "this e-mail.</p><p><a href=\"https://a.example/password/reset?"
     "token=Q9x8Zk29fQ0pLw8s\">Reset password</a></p>",
     true, NULL, "https://a.example/password/reset?token=Q9x8Zk29fQ0pLw8s"},
    {"link: none in a 'password changed, was it you?' notice",
     "Your password was changed",
     "<p>Your password was changed. If you did not do this, reset it now:"
     "</p><p><a href=\"https://a.example/password/reset?token="
     "Q9x8Zk29fQ0pLw8s\">Reset password</a></p>",
     true, NULL, NULL},
    {"link: no link in a newsletter that says sign in", "Weekly news",
     "<p>Sign in to read more.</p><p><a href=\"https://news.example/blog/"
     "42\">Blog</a></p>",
     true, NULL, NULL},
};

static const char *
extract_chosen(const struct extract_result *res, enum extract_kind kind)
{
	size_t i;

	for (i = 0; i < res->ncandidates; i++)
		if (res->candidates[i].chosen &&
		    res->candidates[i].kind == kind)
			return res->candidates[i].value;
	return NULL;
}

static void
extract_check(const struct extract_case *tc, size_t n)
{
	struct extract_ctx *ctx = NULL;
	struct extract_segment segs[2];
	struct extract_result *res;
	struct html_text *ht;
	size_t i;

	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, NULL, 0) == OTPBOX_OK);
	for (i = 0; i < n; i++, tc++) {
		memset(segs, 0, sizeof(segs));
		ht = NULL;
		segs[0].text = tc->subject;
		segs[0].len = strlen(tc->subject);
		segs[0].subject = true;
		segs[1].text = tc->body;
		segs[1].len = strlen(tc->body);
		if (tc->html) {
			CU_ASSERT_FATAL(html_text_convert(tc->body,
			                                  strlen(tc->body),
			                                  &ht) == OTPBOX_OK);
			segs[1].text = ht->text;
			segs[1].len = ht->len;
			segs[1].html = true;
			segs[1].links = ht->links;
			segs[1].nlinks = ht->nlinks;
		}
		CU_ASSERT_FATAL(extract_run(ctx, segs, 2, &res) == OTPBOX_OK);
		msgtest_str(tc->name, "code",
		            extract_chosen(res, EXTRACT_KIND_CODE), tc->code);
		msgtest_str(tc->name, "link",
		            extract_chosen(res, EXTRACT_KIND_LINK), tc->link);
		extract_result_free(res);
		html_text_free(ht);
	}
	extract_ctx_free(ctx);
}

static void
test_extract_codes(void)
{
	extract_check(extract_codes,
	              sizeof(extract_codes) / sizeof(extract_codes[0]));
}

static void
test_extract_none(void)
{
	extract_check(extract_none,
	              sizeof(extract_none) / sizeof(extract_none[0]));
}

static void
test_extract_links(void)
{
	extract_check(extract_links,
	              sizeof(extract_links) / sizeof(extract_links[0]));
}

/* Custom patterns win, take their first group, and bad ones are refused. */
static void
test_extract_custom(void)
{
	const char *pats[] = {"Ticket PIN ([0-9]{5})"};
	const char *bad[] = {"unclosed (group"};
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {0};
	struct extract_result *res;
	char err[200] = "";

	CU_ASSERT_FATAL(extract_ctx_new(pats, 1, &ctx, err, sizeof(err)) ==
	                OTPBOX_OK);
	seg.text = "Your code is 111222. Ticket PIN 90210 for the desk.";
	seg.len = strlen(seg.text);
	CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
	msgtest_str("custom", "code", extract_chosen(res, EXTRACT_KIND_CODE),
	            "90210");
	extract_result_free(res);
	extract_ctx_free(ctx);
	CU_ASSERT(extract_ctx_new(bad, 1, &ctx, err, sizeof(err)) ==
	          OTPBOX_ERR_CONFIG);
	CU_ASSERT(strstr(err, "unclosed") != NULL);
}

/* Runaway input: long digit runs and repeated separators stay bounded. */
static void
test_extract_hostile(void)
{
	static char big[200001];
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {0};
	struct extract_result *res;
	size_t i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 2 ? ' ' : "1A-"[i % 3];
	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, NULL, 0) == OTPBOX_OK);
	seg.text = big;
	seg.len = sizeof(big) - 1;
	CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
	CU_ASSERT(extract_chosen(res, EXTRACT_KIND_CODE) == NULL);
	extract_result_free(res);
	extract_ctx_free(ctx);
}

/* A code after hundreds of other numbers still wins. */
static void
test_extract_crowded(void)
{
	static char text[20000];
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {0};
	struct extract_result *res;
	size_t used = 0;
	int i;

	for (i = 0; i < 400; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		                         "Item %d costs %d.%02d EUR.\n",
		                         10000 + i, i * 3, i % 100);
	snprintf(text + used, sizeof(text) - used, "Your login code: 804411\n");
	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, NULL, 0) == OTPBOX_OK);
	seg.text = text;
	seg.len = strlen(text);
	CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
	msgtest_str("crowded", "code", extract_chosen(res, EXTRACT_KIND_CODE),
	            "804411");
	extract_result_free(res);
	extract_ctx_free(ctx);
}

/* Every keyword in extract_rules.c starts with two plain characters, so
 * none falls back to the slow scan; and keyword hits come out in order
 * with the right class. */
static void
test_extract_keywords(void)
{
	const char *text = "Your Bestätigungscode (not the postal code) for "
	                   "order 12: \xd0\x9a\xd0\xbe\xd0\xb4";
	struct extract_kw_hit hits[8];
	struct extract_kw *kw = NULL;
	size_t n;

	CU_ASSERT_FATAL(extract_kw_new(&kw) == OTPBOX_OK);
	msgtest_int("keywords", "fallbacks",
	            (long long)extract_kw_nfallback(kw), 0);
	n = extract_kw_scan(kw, text, strlen(text), hits, 8);
	CU_ASSERT_FATAL(n == 5);
	msgtest_int("keywords", "Bestätig(ungs)", hits[0].cls,
	            EXTRACT_KW_INTENT);
	msgtest_int("keywords", "(Bestätigungs)code", hits[1].cls,
	            EXTRACT_KW_CODE);
	msgtest_int("keywords", "postal code", hits[2].cls, EXTRACT_KW_NOTCODE);
	msgtest_int("keywords", "order", hits[3].cls, EXTRACT_KW_LABEL);
	msgtest_int("keywords", "Код", hits[4].cls, EXTRACT_KW_CODE);
	extract_kw_free(kw);
}

static void
test_extract_families(void)
{
	extract_check(extract_families,
	              sizeof(extract_families) / sizeof(extract_families[0]));
	extract_check(extract_families_none,
	              sizeof(extract_families_none) /
	                  sizeof(extract_families_none[0]));
	extract_check(extract_families_links,
	              sizeof(extract_families_links) /
	                  sizeof(extract_families_links[0]));
}

/* Steps the context searches take on n bytes of "code: 123456 ". */
static size_t
extract_steps_for(size_t n)
{
	static const char unit[] = "code: 123456 ";
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {0};
	struct extract_result *res;
	char *text = malloc(n + 1);
	size_t i, steps;

	CU_ASSERT_FATAL(text != NULL);
	for (i = 0; i < n; i++)
		text[i] = unit[i % (sizeof(unit) - 1)];
	text[n] = '\0';
	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, NULL, 0) == OTPBOX_OK);
	seg.text = text;
	seg.len = n;
	CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
	steps = extract_ctx_steps(ctx);
	extract_result_free(res);
	extract_ctx_free(ctx);
	free(text);
	return steps;
}

/* Work grows linearly with the text: four times the text below the caps
 * (keyword hits and scored matches per text) takes at most about four
 * times the steps, and far past the caps (240 KB, which took seconds when
 * each candidate scanned back to the last kept hit) each byte costs a
 * bounded number of steps. */
static void
test_extract_linear(void)
{
	size_t small = extract_steps_for(6000), four = extract_steps_for(24000);
	size_t large = extract_steps_for(240000);

	CU_ASSERT(small > 0);
	if (four > small * 9 / 2 || large > 240000 * 8)
		printf("\nsteps: 6 KB %zu, 24 KB %zu, 240 KB %zu (wanted "
		       "linear)\n",
		       small, four, large);
	CU_ASSERT(four <= small * 9 / 2);
	CU_ASSERT(large <= 240000 * 8);
}

/* The default rules are compiled by the first message, not before. */
static void
test_extract_lazy(void)
{
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {.text = "Code: 123456", .len = 12};
	struct extract_result *res;

	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, NULL, 0) == OTPBOX_OK);
	CU_ASSERT(!extract_ctx_compiled(ctx));
	CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
	CU_ASSERT(extract_ctx_compiled(ctx));
	msgtest_str("lazy", "code", extract_chosen(res, EXTRACT_KIND_CODE),
	            "123456");
	extract_result_free(res);
	extract_ctx_free(ctx);
}

/* Rule scopes: globs on the addr-spec; a bare domain with subdomains. */
static void
test_extract_scope(void)
{
	static const struct {
		const char *scope, *addr;
		bool match;
	} cases[] = {
	    {"*@accounts.example", "no-reply@accounts.example", true},
	    {"*@accounts.example", "no-reply@mail.accounts.example", false},
	    {"*@accounts.example", "no-reply@accounts.example.evil", false},
	    {"accounts.example", "a@accounts.example", true},
	    {"accounts.example", "a@eu.mail.accounts.example", true},
	    {"accounts.example", "a@badaccounts.example", false},
	    {"accounts.example", "accounts.example@evil.example", false},
	    {"no-reply@*.example", "no-reply@bank.example", true},
	    {"no-reply@*.example", "other@bank.example", false},
	    {"*@accounts.example", NULL, false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		msgtest_int(
		    cases[i].scope, cases[i].addr ? cases[i].addr : "-",
		    extract_scope_matches(cases[i].scope, cases[i].addr),
		    cases[i].match);
}

/* A rule wins for its sender only, before custom patterns and the
 * defaults, names itself in the reason; bad ones are refused. */
static void
test_extract_rules(void)
{
	static const struct {
		const char *sender, *code, *reason;
	} cases[] = {
	    {"no-reply@accounts.example", "ABC123", "rule 1"},
	    {"x@eu.bank.example", "54321", "rule 2"},
	    {"no-reply@other.example", "777888", "code word"},
	    {NULL, "777888", "code word"},
	};
	const char *text = "Your code is 777888. ref: ABC123, TAN=54321";
	struct extract_ctx *ctx = NULL;
	struct extract_segment seg = {0};
	struct extract_result *res;
	char err[200] = "";
	size_t i;

	CU_ASSERT_FATAL(extract_ctx_new(NULL, 0, &ctx, err, sizeof(err)) ==
	                OTPBOX_OK);
	CU_ASSERT_FATAL(extract_ctx_add_rule(ctx, "*@Accounts.Example",
	                                     "ref: ([A-Z]{3}[0-9]{3})", err,
	                                     sizeof(err)) == OTPBOX_OK);
	CU_ASSERT_FATAL(extract_ctx_add_rule(ctx, "bank.example",
	                                     "TAN=([0-9]{5})", err,
	                                     sizeof(err)) == OTPBOX_OK);
	CU_ASSERT(extract_ctx_add_rule(ctx, "x.example", "(unclosed", err,
	                               sizeof(err)) == OTPBOX_ERR_CONFIG);
	CU_ASSERT(strstr(err, "(unclosed") != NULL);
	seg.text = text;
	seg.len = strlen(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_FATAL(extract_ctx_set_sender(ctx, cases[i].sender) ==
		                OTPBOX_OK);
		CU_ASSERT_FATAL(extract_run(ctx, &seg, 1, &res) == OTPBOX_OK);
		msgtest_str(cases[i].sender ? cases[i].sender : "no sender",
		            "code", extract_chosen(res, EXTRACT_KIND_CODE),
		            cases[i].code);
		CU_ASSERT(res->ncandidates > 0 &&
		          strstr(res->candidates[0].reason, cases[i].reason));
		extract_result_free(res);
	}
	extract_ctx_free(ctx);
}

static CU_TestInfo test_cases[] = {
    {"linear time", test_extract_linear},
    {"lazy compilation", test_extract_lazy},
    {"rule scopes", test_extract_scope},
    {"rules per sender", test_extract_rules},
    {"families of harder mail", test_extract_families},
    {"codes in many shapes", test_extract_codes},
    {"no code in ordinary mail", test_extract_none},
    {"links", test_extract_links},
    {"custom patterns", test_extract_custom},
    {"hostile text", test_extract_hostile},
    {"a code after many numbers", test_extract_crowded},
    {"keyword search", test_extract_keywords},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
