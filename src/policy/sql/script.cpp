#include "policy/sql/script.h"

#include <algorithm>

namespace tb::policy::sql {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

bool IsPunct(const Token& t, char c) { return t.kind == TokenKind::kPunctuation && t.text[0] == c; }

}  // namespace

std::string AtLine(const Token& token) {
  return "at line " + std::to_string(token.line) + ", column " + std::to_string(token.column);
}

Error Positioned(Error error, const Token& token) {
  if (error.message.find(" at line ") == std::string::npos) error.message += " " + AtLine(token);
  return error;
}

Result<std::vector<ScriptStatement>> SplitScript(std::string_view script) {
  const std::vector<Token> tokens = Tokenize(script);
  if (tokens.back().kind == TokenKind::kError) return Invalid(tokens.back().text);
  std::vector<ScriptStatement> statements;
  std::size_t preamble_start = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    const bool ends = IsPunct(t, ';') || t.kind == TokenKind::kEnd;
    if (!ends) continue;
    if (i > first) {
      ScriptStatement s;
      s.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(first), tokens.begin() + static_cast<std::ptrdiff_t>(i));
      Token end;
      end.kind = TokenKind::kEnd;
      end.line = t.line;
      end.column = t.column;
      end.offset = end.end = tokens[i - 1].end;
      s.tokens.push_back(end);
      s.text = script.substr(tokens[first].offset, tokens[i - 1].end - tokens[first].offset);
      s.preamble = script.substr(preamble_start, tokens[first].offset - preamble_start);
      s.line = tokens[first].line;
      s.column = tokens[first].column;
      statements.push_back(std::move(s));
    }
    first = i + 1;
    preamble_start = t.end;
  }
  return statements;
}

std::string AtPosition(std::string_view text, int line, int column) {
  std::string out(static_cast<std::size_t>(std::max(0, line - 1)), '\n');
  out.append(static_cast<std::size_t>(std::max(0, column - 1)), ' ');
  out.append(text);
  return out;
}

const Token& TokenCursor::Peek(std::size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

const Token& TokenCursor::Take() {
  const Token& t = tokens_[pos_];
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool TokenCursor::AtWords(std::initializer_list<std::string_view> words) const {
  std::size_t ahead = 0;
  for (std::string_view word : words) {
    if (!IsKeyword(Peek(ahead++), word)) return false;
  }
  return true;
}

bool TokenCursor::AcceptWords(std::initializer_list<std::string_view> words) {
  if (!AtWords(words)) return false;
  for (std::size_t i = 0; i < words.size(); ++i) Take();
  return true;
}

bool TokenCursor::AtPunct(char c, std::size_t ahead) const { return IsPunct(Peek(ahead), c); }

bool TokenCursor::AcceptPunct(char c) {
  if (!AtPunct(c)) return false;
  Take();
  return true;
}

Result<std::string> TokenCursor::Name() {
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kQuotedIdentifier) return SyntaxErrorHere();
  return Take().text;
}

Result<std::pair<std::string, std::string>> TokenCursor::QualifiedName() {
  auto first = Name();
  if (!first) return std::move(first).error();
  if (!AcceptPunct('.')) return std::pair<std::string, std::string>{"", std::move(*first)};
  auto second = Name();
  if (!second) return std::move(second).error();
  if (AtPunct('.')) return ErrorHere("unsupported construct cross-database reference");
  return std::pair<std::string, std::string>{std::move(*first), std::move(*second)};
}

Status TokenCursor::ExpectWord(std::string_view word) {
  if (AcceptWords({word})) return Ok();
  return SyntaxErrorHere();
}

Status TokenCursor::ExpectPunct(char c) {
  if (AcceptPunct(c)) return Ok();
  return SyntaxErrorHere();
}

std::size_t TokenCursor::MatchingClose(std::size_t open) const {
  int depth = 0;
  for (std::size_t i = open; i < tokens_.size(); ++i) {
    const Token& t = tokens_[i];
    if (t.kind == TokenKind::kEnd) return i;
    if (IsPunct(t, '(') || IsPunct(t, '[')) ++depth;
    if (IsPunct(t, ')') || IsPunct(t, ']')) {
      if (--depth == 0) return i;
    }
  }
  return tokens_.size() - 1;
}

std::string TokenCursor::Text(std::size_t begin, std::size_t end) const {
  if (begin >= end) return std::string();
  return AtPosition(RawText(begin, end), tokens_[begin].line, tokens_[begin].column);
}

std::string_view TokenCursor::RawText(std::size_t begin, std::size_t end) const {
  if (begin >= end) return std::string_view();
  return source_.substr(tokens_[begin].offset, tokens_[end - 1].end - tokens_[begin].offset);
}

Error TokenCursor::ErrorHere(const std::string& what) const { return Invalid(what + " " + AtLine(Peek())); }

Error TokenCursor::SyntaxErrorHere() const {
  const Token& t = Peek();
  if (t.kind == TokenKind::kEnd) return Invalid("syntax error at end of input " + AtLine(t));
  return Invalid("syntax error at or near \"" + std::string(source_.substr(t.offset, t.end - t.offset)) + "\" " +
                 AtLine(t));
}

}  // namespace tb::policy::sql
