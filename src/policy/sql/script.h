// policy/sql/script.h
//
// A migration script as PostgreSQL reads it: statements separated by semicolons outside
// strings, comments and $$ bodies (the lexer in lexer.h decides what is which), each with
// its tokens and where it starts. TokenCursor walks one statement's tokens for the DDL
// readers (ddl_sqlite.h, app_migrations.h).
//
// Positions are the script's own: line and column of the first token, and every text a
// cursor hands to the expression parser is padded (AtPosition) so that the parser's
// "at line L, column C" names the script's line, not the fragment's.
//
// Thread-safety: pure functions and plain values; a cursor belongs to one thread.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/sql/lexer.h"

namespace tb::policy::sql {

struct ScriptStatement {
  std::vector<Token> tokens;  // the statement's tokens, then one kEnd (no ';')
  std::string_view text;      // from its first token to the end of its last
  std::string_view preamble;  // what precedes it since the previous ';' (blanks, comments)
  int line = 1;               // of the first token
  int column = 1;
};

// Splits `script` into statements; empty ones (";;") are skipped. Fails (kInvalidArgument,
// message ending "at line L, column C") where the lexer cannot go on: an unterminated
// string, comment or $$ body, or a character PostgreSQL does not know.
Result<std::vector<ScriptStatement>> SplitScript(std::string_view script);

// `text` prefixed with line breaks and spaces so that its first character sits at
// `line`/`column`; the parser then reports the script's positions.
std::string AtPosition(std::string_view text, int line, int column);

// Reads one statement's tokens front to back. REQUIRES: `tokens` ends with kEnd and
// outlives the cursor, and `source` is the text their offsets point into.
class TokenCursor {
 public:
  TokenCursor(std::string_view source, const std::vector<Token>& tokens) : source_(source), tokens_(tokens) {}

  const Token& Peek(std::size_t ahead = 0) const;
  const Token& Take();
  // The token at `index` of the statement (clamped to its kEnd).
  const Token& At(std::size_t index) const { return tokens_[index < tokens_.size() ? index : tokens_.size() - 1]; }
  // A cursor over `tokens` (a part of this statement, ending in kEnd) with the same source.
  TokenCursor Sub(const std::vector<Token>& tokens) const { return TokenCursor(source_, tokens); }
  std::size_t position() const { return pos_; }
  void Seek(std::size_t position) { pos_ = position; }
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }

  // True when the next tokens are these unquoted words (lower-case), in order.
  bool AtWords(std::initializer_list<std::string_view> words) const;
  bool AtWord(std::string_view word, std::size_t ahead = 0) const { return IsKeyword(Peek(ahead), word); }
  // Takes the words when they are next; false (nothing taken) otherwise.
  bool AcceptWords(std::initializer_list<std::string_view> words);
  bool AtPunct(char c, std::size_t ahead = 0) const;
  bool AcceptPunct(char c);

  // A name: an unquoted word or a "quoted" identifier; fails (syntax error) otherwise.
  Result<std::string> Name();
  // [schema.]name; schema "" when unqualified.
  Result<std::pair<std::string, std::string>> QualifiedName();
  Status ExpectWord(std::string_view word);
  Status ExpectPunct(char c);

  // Index of the token that closes the bracket opened at `open` ('(' or '['), or the kEnd
  // token's index when it is never closed.
  std::size_t MatchingClose(std::size_t open) const;
  // Index of the first token at or after `from`, outside brackets, for which `stop` is true
  // (the kEnd token's index when there is none).
  template <typename Stop>
  std::size_t FindTopLevel(std::size_t from, Stop stop) const {
    std::size_t i = from;
    while (tokens_[i].kind != TokenKind::kEnd) {
      if (stop(tokens_[i])) return i;
      const bool opens = tokens_[i].kind == TokenKind::kPunctuation && (tokens_[i].text == "(" || tokens_[i].text == "[");
      i = opens ? MatchingClose(i) + (tokens_[MatchingClose(i)].kind == TokenKind::kEnd ? 0 : 1) : i + 1;
    }
    return i;
  }

  // The source text of tokens [begin, end), positioned for the parser (AtPosition).
  std::string Text(std::size_t begin, std::size_t end) const;
  // The same text as written, without padding.
  std::string_view RawText(std::size_t begin, std::size_t end) const;

  // kInvalidArgument "<what> at line L, column C" at the next token.
  Error ErrorHere(const std::string& what) const;
  Error SyntaxErrorHere() const;

 private:
  std::string_view source_;
  const std::vector<Token>& tokens_;
  std::size_t pos_ = 0;
};

// "at line L, column C" as the parser writes it.
std::string AtLine(const Token& token);

// `error` with the position of `token` appended when it names none yet (errors from the
// renderer's callbacks, say).
Error Positioned(Error error, const Token& token);

}  // namespace tb::policy::sql
