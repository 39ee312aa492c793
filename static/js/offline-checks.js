/* The quick entry form's checks, run on the phone when there is no signal.
 *
 * They read a typed value as the server's fields do (units/normalize.py, units/forms.py,
 * campaign/forms.py QuickCaseForm and campaign/offline.py OfflineCaseForm) and say what is
 * wrong with the server's own messages, which the bundle carries in the user's language
 * (campaign/offline.py check_messages). Both sides are tested against the same cases:
 * campaign/tests/offline_check_cases.json.
 *
 * VNeIDChecks.check(data, bundle, others) -> {errors: {field: [message]}, warnings: [message],
 * cleaned: {...}}; `others` are the cases already waiting (a second entry of the same
 * resident for the same guide is refused, as the server would). No dependencies. */
(function (root) {
  "use strict";

  var SEPARATORS = /[\s.\-\u00ad\u2010-\u2015\u2212_/()'\u2019`\u200b\u200c\u200d\ufeff]+/g;
  var SPACES = /\s+/g;
  var INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
  var CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
  var NAME_CHAR = /[\p{L}\p{M}\p{N}\p{P}\p{Zs}]/u;
  var LETTER = /\p{L}/u;
  var EXCEL_EPOCH = Date.UTC(1899, 11, 30);

  function Refusal(message) { this.message = message; }

  /* Python's "%(name)s" / "%(name)d" placeholders filled from `values`. */
  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, key) {
      return values && values[key] != null ? String(values[key]) : "";
    });
  }

  function say(bundle, key, values) { return fill(bundle.messages[key] || key, values); }

  function strip(value) { return String(value == null ? "" : value).trim(); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function isoDate(y, m, d) { return y + "-" + pad(m) + "-" + pad(d); }

  function dayFirst(iso) {
    var p = iso.split("-");
    return p[2] + "/" + p[1] + "/" + p[0];
  }

  /* Today where the campaign is (Asia/Ho_Chi_Minh, as the server's localdate). */
  function today() {
    try {
      return new Intl.DateTimeFormat("en-CA", {timeZone: "Asia/Ho_Chi_Minh"}).format(new Date());
    } catch (e) {
      var d = new Date();
      return isoDate(d.getFullYear(), d.getMonth() + 1, d.getDate());
    }
  }

  // --- units/normalize.py -----------------------------------------------------------------

  function idNumber(value, bundle) {
    var text = strip(value).normalize("NFKC").trim();
    if (!text) return "";
    if (/\.0$/.test(text) && /^\d+$/.test(text.slice(0, -2))) text = text.slice(0, -2);
    var digits = text.replace(SEPARATORS, "");
    if (!/^[0-9]+$/.test(digits)) throw new Refusal(say(bundle, "id_digits_only"));
    if (digits.length === 11 && digits.charAt(0) !== "0") return "0" + digits;
    if (digits.length !== 12) throw new Refusal(say(bundle, "id_length", {count: digits.length}));
    return digits;
  }

  function personName(value, bundle) {
    var text = strip(value).replace(INVISIBLE, "");
    if (CONTROL.test(text.replace(/[\t\n\r]/g, ""))) throw new Refusal(say(bundle, "control_character"));
    var name = text.normalize("NFC").replace(SPACES, " ").trim();
    var odd = [];
    Array.from(name).forEach(function (ch) {
      if (!NAME_CHAR.test(ch) && odd.indexOf(ch) < 0) odd.push(ch);
    });
    if (odd.length) throw new Refusal(say(bundle, "name_symbols", {symbols: odd.join("")}));
    if (name && !LETTER.test(name)) throw new Refusal(say(bundle, "name_letters"));
    return name;
  }

  function phone(value, bundle) {
    var text = strip(value);
    if (!text) return "";
    text = text.replace(SEPARATORS, "");
    if (text.charAt(0) === "+") {
      text = text.slice(1);
      if (text.indexOf("84") !== 0) throw new Refusal(say(bundle, "phone_foreign"));
    }
    if (!/^[0-9]+$/.test(text)) throw new Refusal(say(bundle, "phone_digits_only"));
    if (text.indexOf("840") === 0 && (text.length === 12 || text.length === 13)) text = text.slice(2);
    else if (text.indexOf("84") === 0 && (text.length === 11 || text.length === 12)) text = "0" + text.slice(2);
    else if (text.charAt(0) !== "0" && (text.length === 9 || text.length === 10)) text = "0" + text;
    if (text.length !== 10 && text.length !== 11) throw new Refusal(say(bundle, "phone_length", {count: text.length}));
    if (text.charAt(0) !== "0") throw new Refusal(say(bundle, "phone_start"));
    return text;
  }

  function realDate(y, m, d) {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return null;
    var days = new Date(Date.UTC(2000, m, 0)).getUTCDate();  // a leap year's month
    if (m === 2) days = (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
    return d <= days ? isoDate(y, m, d) : null;
  }

  /* A date typed day first, as the server's DayFirstDateField(past_only=True): an ISO
   * yyyy-mm-dd string, or "" when blank. */
  function pastDate(value, bundle) {
    var text = strip(value);
    if (!text) return "";
    text = text.replace(/^['\u2019`]+/, "").split(/[ T]/)[0];
    var day = null;
    var match;
    if (/^\d+$/.test(text) && text.length <= 5) {
      var serial = parseInt(text, 10);
      if (serial < 1) throw new Refusal(say(bundle, "date_not_a_date"));
      var d = new Date(EXCEL_EPOCH + serial * 86400000);
      day = isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    } else if ((match = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/.exec(text))) {
      day = realDate(+match[3], +match[2], +match[1]);
      if (!day) throw new Refusal(say(bundle, "date_not_real", {value: text}));
    } else if ((match = /^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$/.exec(text))) {
      day = realDate(+match[1], +match[2], +match[3]);
      if (!day) throw new Refusal(say(bundle, "date_not_real", {value: text}));
    } else {
      throw new Refusal(say(bundle, "date_unreadable", {value: text}));
    }
    if (+day.slice(0, 4) < 1900) throw new Refusal(say(bundle, "date_too_old"));
    if (day > today()) throw new Refusal(say(bundle, "date_future"));
    return day;
  }

  // --- The form (campaign/forms.py QuickCaseForm, campaign/offline.py OfflineCaseForm) ---

  function check(data, bundle, others) {
    var errors = {};
    var warnings = [];
    var cleaned = {};
    function refuse(field, message) { (errors[field] = errors[field] || []).push(message); }
    function read(field, reader, required) {
      try {
        var value = reader(data[field], bundle);
        if (required && (value === "" || value == null)) refuse(field, say(bundle, "required"));
        else cleaned[field] = value;
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        refuse(field, error.message);
      }
    }

    var member = strip(data.member);
    var guide = null;
    (bundle.guides || []).forEach(function (g) { if (String(g.id) === member) guide = g; });
    if (!member) refuse("member", say(bundle, "required"));
    else if (!guide) refuse("member", say(bundle, "member_out_of_scope"));
    else cleaned.member = guide.id;

    read("id_number", idNumber, true);
    read("full_name", personName, true);

    var level = strip(data.eid_level);
    if (!level) refuse("eid_level", say(bundle, "level_required"));
    else if (level === "none") cleaned.eid_level = null;
    else if (level === "1" || level === "2") cleaned.eid_level = +level;
    else refuse("eid_level", say(bundle, "invalid_choice", {value: level}));

    read("activated_on", pastDate, false);
    read("guided_on", pastDate, false);
    read("phone", phone, false);

    var place = strip(data.place);
    var places = (bundle.places || []).map(function (p) { return p.value; });
    if (place && places.indexOf(place) < 0) refuse("place", say(bundle, "invalid_choice", {value: place}));
    else cleaned.place = place;

    var activity = strip(data.activity);
    var activities = (bundle.activities || []).map(function (a) { return String(a.id); });
    if (activity && activities.indexOf(activity) < 0) refuse("activity", say(bundle, "activity_invalid"));
    else cleaned.activity = activity ? +activity : null;

    // clean_case_details: the level and its activation day go together.
    var activated = cleaned.activated_on;
    if (cleaned.eid_level && !activated && !errors.activated_on) {
      refuse("activated_on", say(bundle, "activation_date_missing"));
    }
    if (activated && cleaned.eid_level == null && !errors.eid_level) {
      refuse("eid_level", say(bundle, "level_missing"));
    }
    if (activated && !errors.activated_on && activated < bundle.campaign.activation_starts_on) {
      warnings.push(say(bundle, "before_start", {
        day: dayFirst(activated), start: dayFirst(bundle.campaign.activation_starts_on)
      }));
    }
    // warn_about_id_and_phone
    if (cleaned.id_number && bundle.rules.province_codes.indexOf(cleaned.id_number.slice(0, 3)) < 0) {
      warnings.push(say(bundle, "id_province", {id: cleaned.id_number, code: cleaned.id_number.slice(0, 3)}));
    }
    if (cleaned.phone) {
      var known = (cleaned.phone.length === 10 && bundle.rules.mobile_prefixes.indexOf(cleaned.phone.slice(0, 3)) >= 0) ||
        (cleaned.phone.length === 11 && cleaned.phone.indexOf("02") === 0);
      if (!known) warnings.push(say(bundle, "phone_prefix", {phone: cleaned.phone}));
    }
    // The same guide entering the same resident twice (the server checks its records too).
    if (guide && cleaned.id_number && !errors.member) {
      (others || []).forEach(function (other) {
        if (other.key !== data.key && String(other.member) === String(guide.id) &&
            other.id_number_clean === cleaned.id_number && !errors.member) {
          refuse("member", say(bundle, "duplicate_case", {member: guide.name}));
        }
      });
    }
    return {errors: errors, warnings: warnings, cleaned: cleaned};
  }

  root.VNeIDChecks = {check: check, fill: fill, today: today};
})(window);
