#include "policy/sql/lexer.h"

#include <array>
#include <cstdint>

namespace tb::policy::sql {

namespace {

// PostgreSQL's operators that the parser knows, longest first so the scan is greedy.
// Anything else made of operator characters is split into these or refused.
constexpr std::array<std::string_view, 37> kOperators = {
    "!~~*", "->>", "#>>", "~~*", "!~~", "!~*", "::", "->", "#>", "@>", "<@", "<>", "!=",
    "<=",   ">=",  "||",  "&&",  "~~",  "!~",  "~*", "?|", "?&", "=",  "<",  ">",  "+",
    "-",    "*",   "/",   "%",   "^",   "~",   "@",  "#",  "?",  "&",  "|"};

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHighByte(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsIdentStart(char c) { return IsAsciiLetter(c) || c == '_' || IsHighByte(c); }
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Strict UTF-8 check (no overlongs, no surrogates), for E'' strings built from byte escapes.
bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      n = 1, cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      n = 2, cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    for (;;) {
      if (!SkipBlanksAndComments()) break;
      if (i_ >= text_.size()) {
        tokens.push_back(Make(TokenKind::kEnd, "", i_, line_, column_));
        return tokens;
      }
      if (!Next(tokens)) break;
    }
    tokens.push_back(std::move(error_));
    return tokens;
  }

 private:
  char Peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool AtEnd() const { return i_ >= text_.size(); }

  // Steps over one byte, keeping line and column (columns count code points).
  void Bump() {
    const char c = text_[i_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
  void Bump(std::size_t n) {
    for (std::size_t k = 0; k < n && !AtEnd(); ++k) Bump();
  }

  static Token Make(TokenKind kind, std::string text, std::size_t offset, int line, int column) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.offset = offset;
    t.line = line;
    t.column = column;
    return t;
  }

  bool Fail(const std::string& what, int line, int column) {
    error_ = Make(TokenKind::kError,
                  what + " at line " + std::to_string(line) + ", column " + std::to_string(column), i_, line,
                  column);
    error_.end = i_;
    return false;
  }

  // False (with error_ set) on an unterminated block comment.
  bool SkipBlanksAndComments() {
    for (;;) {
      while (!AtEnd() && IsSpace(Peek())) Bump();
      if (Peek() == '-' && Peek(1) == '-') {
        while (!AtEnd() && Peek() != '\n') Bump();
      } else if (Peek() == '/' && Peek(1) == '*') {
        const int line = line_, column = column_;
        Bump(2);
        int depth = 1;
        while (depth > 0) {
          if (AtEnd()) return Fail("unterminated /* comment", line, column);
          if (Peek() == '/' && Peek(1) == '*') {
            ++depth;
            Bump(2);
          } else if (Peek() == '*' && Peek(1) == '/') {
            --depth;
            Bump(2);
          } else {
            Bump();
          }
        }
      } else {
        return true;
      }
    }
  }

  // Lexes one token into `tokens`; false (with error_ set) when it cannot.
  bool Next(std::vector<Token>& tokens) {
    const std::size_t start = i_;
    const int line = line_, column = column_;
    Token token = Make(TokenKind::kEnd, "", start, line, column);
    bool ok = true;
    const char c = Peek();
    if (c == '\0') {
      ok = Fail("invalid null character", line, column);
    } else if ((c == 'e' || c == 'E') && Peek(1) == '\'') {
      Bump();
      token.kind = TokenKind::kString;
      ok = EscapeString(token.text, line, column);
    } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && Peek(1) == '\'') {
      ok = Fail("unsupported construct bit or national string literal", line, column);
    } else if ((c == 'u' || c == 'U') && Peek(1) == '&' && (Peek(2) == '\'' || Peek(2) == '"')) {
      ok = Fail("unsupported construct U& Unicode escape literal", line, column);
    } else if (IsIdentStart(c)) {
      token.kind = TokenKind::kIdentifier;
      while (!AtEnd() && IsIdentPart(Peek())) {
        char ch = Peek();
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        token.text += ch;
        Bump();
      }
    } else if (c == '"') {
      token.kind = TokenKind::kQuotedIdentifier;
      ok = Quoted('"', token.text, line, column);
      if (ok && token.text.empty()) ok = Fail("zero-length delimited identifier", line, column);
    } else if (c == '\'') {
      token.kind = TokenKind::kString;
      ok = Quoted('\'', token.text, line, column);
    } else if (c == '$') {
      token.kind = TokenKind::kString;
      ok = DollarQuoted(token.text, line, column);
    } else if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      token.kind = TokenKind::kNumber;
      ok = Number(token.text, line, column);
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == '.' || c == ';') {
      token.kind = TokenKind::kPunctuation;
      token.text = std::string(1, c);
      Bump();
    } else {
      token.kind = TokenKind::kOperator;
      ok = Operator(token.text, line, column);
    }
    if (!ok) return false;
    token.end = i_;
    tokens.push_back(std::move(token));
    return true;
  }

  // '...' or "..." with the delimiter doubled inside; the opening quote is at i_.
  bool Quoted(char quote, std::string& out, int line, int column) {
    Bump();
    for (;;) {
      if (AtEnd()) {
        return Fail(quote == '"' ? "unterminated quoted identifier" : "unterminated quoted string", line, column);
      }
      const char ch = Peek();
      if (ch == '\0') return Fail("invalid null character", line_, column_);
      if (ch == quote) {
        if (Peek(1) != quote) {
          Bump();
          return true;
        }
        Bump();
      }
      out += ch;
      Bump();
    }
  }

  // E'...': backslash escapes as PostgreSQL reads them; the opening quote is at i_.
  bool EscapeString(std::string& out, int line, int column) {
    Bump();
    for (;;) {
      if (AtEnd()) return Fail("unterminated quoted string", line, column);
      const char ch = Peek();
      if (ch == '\'') {
        Bump();
        if (Peek() != '\'') break;
        out += '\'';
        Bump();
      } else if (ch == '\\') {
        const int esc_line = line_, esc_column = column_;
        Bump();
        if (AtEnd()) return Fail("unterminated quoted string", line, column);
        if (!Escape(out, esc_line, esc_column)) return false;
      } else if (ch == '\0') {
        return Fail("invalid null character", line_, column_);
      } else {
        out += ch;
        Bump();
      }
    }
    if (!IsValidUtf8(out)) return Fail("invalid byte sequence in string literal", line, column);
    return true;
  }

  // One escape after a backslash (already consumed).
  bool Escape(std::string& out, int line, int column) {
    const char e = Peek();
    std::uint32_t value = 0;
    switch (e) {
      case 'b': out += '\b'; Bump(); return true;
      case 'f': out += '\f'; Bump(); return true;
      case 'n': out += '\n'; Bump(); return true;
      case 'r': out += '\r'; Bump(); return true;
      case 't': out += '\t'; Bump(); return true;
      default: break;
    }
    if (e >= '0' && e <= '7') {
      for (int k = 0; k < 3 && Peek() >= '0' && Peek() <= '7'; ++k) {
        value = value * 8 + static_cast<std::uint32_t>(Peek() - '0');
        Bump();
      }
      if (value == 0 || value > 0xFF) return Fail("invalid octal escape in string literal", line, column);
      out += static_cast<char>(value);
      return true;
    }
    if (e == 'x' && IsHexDigit(Peek(1))) {
      Bump();
      for (int k = 0; k < 2 && IsHexDigit(Peek()); ++k) {
        value = value * 16 + static_cast<std::uint32_t>(HexValue(Peek()));
        Bump();
      }
      if (value == 0) return Fail("invalid null character in string literal", line, column);
      out += static_cast<char>(value);
      return true;
    }
    if (e == 'u' || e == 'U') {
      const int digits = e == 'u' ? 4 : 8;
      Bump();
      for (int k = 0; k < digits; ++k) {
        if (!IsHexDigit(Peek())) return Fail("invalid Unicode escape in string literal", line, column);
        value = value * 16 + static_cast<std::uint32_t>(HexValue(Peek()));
        Bump();
      }
      if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return Fail("invalid Unicode escape value in string literal", line, column);
      }
      AppendUtf8(out, value);
      return true;
    }
    if (e == '\0') return Fail("invalid null character", line_, column_);
    out += e;  // \\ \' \" and any other character stand for themselves
    Bump();
    return true;
  }

  // $$...$$ or $tag$...$tag$; the first $ is at i_.
  bool DollarQuoted(std::string& out, int line, int column) {
    std::size_t k = 1;
    if (IsDigit(Peek(1))) return Fail("bind parameters ($1) are not allowed", line, column);
    if (IsIdentStart(Peek(1))) {
      while (i_ + k < text_.size() && IsIdentPart(text_[i_ + k]) && text_[i_ + k] != '$') ++k;
    }
    if (Peek(k) != '$') return Fail("syntax error at or near \"$\"", line, column);
    const std::string delimiter(text_.substr(i_, k + 1));
    const std::size_t body = i_ + delimiter.size();
    const std::size_t close = text_.find(delimiter, body);
    if (close == std::string_view::npos) return Fail("unterminated dollar-quoted string", line, column);
    out.assign(text_.substr(body, close - body));
    if (out.find('\0') != std::string::npos) return Fail("invalid null character", line, column);
    Bump(close + delimiter.size() - i_);
    return true;
  }

  bool Number(std::string& out, int line, int column) {
    const std::size_t start = i_;
    while (IsDigit(Peek())) Bump();
    if (Peek() == '.' && Peek(1) != '.') {
      Bump();
      while (IsDigit(Peek())) Bump();
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2))))) {
      Bump(2);
      while (IsDigit(Peek())) Bump();
    }
    out.assign(text_.substr(start, i_ - start));
    if (IsIdentStart(Peek())) return Fail("trailing junk after numeric literal", line, column);
    return true;
  }

  bool Operator(std::string& out, int line, int column) {
    for (std::string_view op : kOperators) {
      if (text_.substr(i_, op.size()) == op) {
        out.assign(op);
        Bump(op.size());
        return true;
      }
    }
    const std::size_t start = i_;
    Bump();
    while (!AtEnd() && (static_cast<unsigned char>(Peek()) & 0xC0) == 0x80) Bump();
    return Fail("unexpected character \"" + std::string(text_.substr(start, i_ - start)) + "\"", line, column);
  }

  std::string_view text_;
  std::size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;
  Token error_;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view text) { return Lexer(text).Run(); }

bool IsKeyword(const Token& token, std::string_view keyword) {
  return token.kind == TokenKind::kIdentifier && token.text == keyword;
}

}  // namespace tb::policy::sql
