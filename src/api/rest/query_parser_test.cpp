#include "api/rest/query_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

// The requests below are what @supabase/postgrest-js puts in the URL (its
// PostgrestQueryBuilder, PostgrestFilterBuilder and PostgrestTransformBuilder), after
// percent-decoding, unless a test says otherwise.
namespace tb::rest {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Result<ReadQuery> Parse(const Params& params, std::string_view range = "") {
  return ParseQuery(params, range);
}

// The one filter of `key=value`; a default Filter (and a test failure) when it fails.
Filter OneFilter(std::string key, std::string value) {
  auto query = Parse({{std::move(key), std::move(value)}});
  if (!query.ok()) {
    ADD_FAILURE() << query.error().message << " / " << query.error().detail;
    return {};
  }
  EXPECT_EQ(query->filters.size(), 1u);
  return query->filters.empty() ? Filter{} : query->filters.front();
}

std::vector<SelectItem> Select(std::string select) {
  auto query = Parse({{"select", std::move(select)}});
  if (!query.ok()) {
    ADD_FAILURE() << query.error().message << " / " << query.error().detail;
    return {};
  }
  return query->select;
}

Logic OneLogic(std::string key, std::string value) {
  auto query = Parse({{std::move(key), std::move(value)}});
  if (!query.ok()) {
    ADD_FAILURE() << query.error().message << " / " << query.error().detail;
    return {};
  }
  EXPECT_EQ(query->logics.size(), 1u);
  return query->logics.empty() ? Logic{} : query->logics.front();
}

// The PostgREST code of the error `params` (and `range`) produce, or "ok".
std::string ReasonOf(const Params& params, std::string_view range = "") {
  auto query = Parse(params, range);
  return query.ok() ? "ok" : query.error().reason;
}

// ---- select -------------------------------------------------------------------------

TEST(QueryParserSelect, NoSelectMeansStar) {
  auto query = Parse({{"id", "eq.1"}});
  ASSERT_TRUE(query.ok());
  ASSERT_EQ(query->select.size(), 1u);
  EXPECT_EQ(query->select[0].kind, SelectItem::Kind::kStar);
}

TEST(QueryParserSelect, EmptySelectIsAnEmptyList) {
  EXPECT_TRUE(Select("").empty());
}

TEST(QueryParserSelect, ColumnsAliasesAndCasts) {
  const auto items = Select("id,display:name,price::text,total:amount::int,*");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].field.name, "id");
  EXPECT_EQ(items[0].output_name, "id");
  EXPECT_EQ(items[1].alias, "display");
  EXPECT_EQ(items[1].field.name, "name");
  EXPECT_EQ(items[1].output_name, "display");
  EXPECT_EQ(items[2].cast, "text");
  EXPECT_EQ(items[2].output_name, "price");
  EXPECT_EQ(items[3].alias, "total");
  EXPECT_EQ(items[3].cast, "int");
  EXPECT_EQ(items[4].kind, SelectItem::Kind::kStar);
}

TEST(QueryParserSelect, JsonPathsNameTheirOutputLikePostgrest) {
  const auto items = Select("data->a->>b,data->0,data->1->mycol->>2,x:data->>a,data->>-1");
  ASSERT_EQ(items.size(), 5u);
  const auto& path = items[0].field.json_path;
  ASSERT_EQ(path.size(), 2u);
  EXPECT_FALSE(path[0].as_text);
  EXPECT_EQ(path[0].key, "a");
  EXPECT_TRUE(path[1].as_text);
  EXPECT_EQ(path[1].key, "b");
  EXPECT_EQ(items[0].output_name, "b");
  ASSERT_EQ(items[1].field.json_path.size(), 1u);
  EXPECT_TRUE(items[1].field.json_path[0].is_index);
  EXPECT_EQ(items[1].field.json_path[0].index, 0);
  EXPECT_EQ(items[1].output_name, "data");  // only indexes: the column's name
  EXPECT_EQ(items[2].output_name, "mycol");  // the last key before trailing indexes
  EXPECT_EQ(items[3].output_name, "x");
  EXPECT_EQ(items[4].field.json_path[0].index, -1);
}

TEST(QueryParserSelect, QuotedNamesKeepCommasSpacesAndEscapes) {
  const auto items = Select(R"("my col","a,b":"x y",data->"k.1",say:"a\"b")");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].field.name, "my col");
  EXPECT_EQ(items[1].alias, "a,b");
  EXPECT_EQ(items[1].field.name, "x y");
  EXPECT_EQ(items[2].field.json_path[0].key, "k.1");
  EXPECT_EQ(items[3].field.name, "a\"b");
}

TEST(QueryParserSelect, NamesMayHoldSpacesAsInPostgrest) {
  const auto items = Select("first name,line items(unit price)");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].field.name, "first name");
  EXPECT_EQ(items[1].relation, "line items");
  EXPECT_EQ(items[1].children.at(0).field.name, "unit price");
}

TEST(QueryParserSelect, WhitespaceAroundItemsIsIgnored) {
  // postgrest-js strips unquoted whitespace itself; curl users do not.
  const auto items = Select(" id , items ( name ) ");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].relation, "items");
  ASSERT_EQ(items[1].children.size(), 1u);
  EXPECT_EQ(items[1].children[0].field.name, "name");
}

TEST(QueryParserSelect, EmbedsWithAliasHintAndJoinType) {
  const auto items = Select(
      "name,instruments(name),owner:users!fk_owner(name),members!inner(*),"
      "a:b!b_c_fkey!inner(id),c!left!c_id(*),empty()");
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[1].kind, SelectItem::Kind::kEmbed);
  EXPECT_EQ(items[1].relation, "instruments");
  EXPECT_EQ(items[1].output_name, "instruments");
  EXPECT_EQ(items[1].join, JoinType::kDefault);
  EXPECT_EQ(items[2].alias, "owner");
  EXPECT_EQ(items[2].relation, "users");
  EXPECT_EQ(items[2].hint, "fk_owner");
  EXPECT_EQ(items[2].output_name, "owner");
  EXPECT_EQ(items[3].join, JoinType::kInner);
  EXPECT_EQ(items[3].hint, "");
  EXPECT_EQ(items[4].hint, "b_c_fkey");
  EXPECT_EQ(items[4].join, JoinType::kInner);
  EXPECT_EQ(items[5].hint, "c_id");
  EXPECT_EQ(items[5].join, JoinType::kLeft);
  EXPECT_TRUE(items[6].children.empty());
}

TEST(QueryParserSelect, HintsMayStartWithJoinWords) {
  // `inner_id` is a column hint, not the inner join followed by garbage.
  const auto items = Select("b!inner_id(*),c!\"inner\"(*)");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].hint, "inner_id");
  EXPECT_EQ(items[0].join, JoinType::kDefault);
  EXPECT_EQ(items[1].hint, "inner");
}

TEST(QueryParserSelect, NestedEmbeds) {
  const auto items = Select("id,a(id,b(id,c(*)))");
  ASSERT_EQ(items.size(), 2u);
  const SelectItem& c = items[1].children[1].children[1];
  EXPECT_EQ(c.relation, "c");
  ASSERT_EQ(c.children.size(), 1u);
  EXPECT_EQ(c.children[0].kind, SelectItem::Kind::kStar);
}

TEST(QueryParserSelect, MalformedSelectsAreRefused) {
  for (const char* bad : {"id,", ",id", "id)", "items(id", "name!hint", "*!x", "name::",
                          "\"open", "a!b!c!d(*)", "a!b!c(*)", "a!inner!left(*)",
                          "data->>-78xy", "data->", "id,,name", "a:*"}) {
    auto query = Parse({{"select", bad}});
    ASSERT_FALSE(query.ok()) << bad;
    EXPECT_EQ(query.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(query.error().reason, "PGRST100") << bad;
    EXPECT_FALSE(query.error().detail.empty()) << bad;
  }
}

TEST(QueryParserSelect, ErrorMessageFollowsPostgrest) {
  auto query = Parse({{"select", "id,"}});
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().message, "\"failed to parse select parameter (id,)\" (line 1, column 4)");
}

TEST(QueryParserSelect, DeepNestingIsCappedNotRecursedWithoutBound) {
  std::string nested = "*";
  for (int i = 0; i < 16; ++i) nested = "r(" + nested + ")";
  EXPECT_EQ(ReasonOf({{"select", nested}}), "ok");
  EXPECT_EQ(ReasonOf({{"select", "r(" + nested + ")"}}), "PGRST100");
  EXPECT_EQ(ReasonOf({{"select", std::string(100000, '(')}}), "PGRST100");
  std::string huge;
  for (int i = 0; i < 50000; ++i) huge += "r(";
  EXPECT_EQ(ReasonOf({{"select", huge}}), "PGRST100");
}

TEST(QueryParserSelect, AggregatesAreRefusedAsPostgrestDoesByDefault) {
  for (const char* agg : {"count()", "total:count()", "count()::int", "amount.sum()",
                          "amount.avg()", "x:amount::int.max()", "items(count())"}) {
    auto query = Parse({{"select", agg}});
    ASSERT_FALSE(query.ok()) << agg;
    EXPECT_EQ(query.error().reason, "PGRST123") << agg;
    EXPECT_EQ(query.error().message, "Use of aggregate functions is not allowed");
  }
}

TEST(QueryParserSelect, SpreadEmbedsAreRefusedForNow) {
  auto query = Parse({{"select", "id,...owner(name)"}});
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().reason, "PGRST127");
  EXPECT_NE(query.error().detail.find("spread"), std::string::npos);
}

TEST(QueryParserSelect, FirstSelectWins) {
  auto query = Parse({{"select", "id"}, {"select", "!!bad"}});
  ASSERT_TRUE(query.ok());
  ASSERT_EQ(query->select.size(), 1u);
  EXPECT_EQ(query->select[0].field.name, "id");
}

// ---- Filters ------------------------------------------------------------------------

TEST(QueryParserFilter, ComparisonOperators) {
  const std::pair<const char*, FilterOp> cases[] = {
      {"eq.Leia", FilterOp::kEq}, {"neq.Leia", FilterOp::kNeq}, {"gt.2", FilterOp::kGt},
      {"gte.2", FilterOp::kGte},  {"lt.2", FilterOp::kLt},      {"lte.2", FilterOp::kLte},
      {"match.^L", FilterOp::kMatch}, {"imatch.^l", FilterOp::kImatch},
      {"isdistinct.Leia", FilterOp::kIsDistinct}};
  for (const auto& [value, op] : cases) {
    const Filter filter = OneFilter("name", value);
    EXPECT_EQ(filter.op, op) << value;
    EXPECT_EQ(filter.field.name, "name");
    EXPECT_TRUE(filter.path.empty());
    EXPECT_FALSE(filter.negated);
    EXPECT_EQ(filter.value, std::string(value).substr(std::string(value).find('.') + 1));
  }
}

TEST(QueryParserFilter, RepeatedKeysAreSeparateFilters) {
  auto query = Parse({{"id", "gte.1"}, {"id", "lte.9"}});
  ASSERT_TRUE(query.ok());
  ASSERT_EQ(query->filters.size(), 2u);
  EXPECT_EQ(query->filters[0].op, FilterOp::kGte);
  EXPECT_EQ(query->filters[1].op, FilterOp::kLte);
  EXPECT_EQ(query->filters[1].value, "9");
}

TEST(QueryParserFilter, TopLevelValuesAreTakenVerbatim) {
  EXPECT_EQ(OneFilter("price", "eq.1.5").value, "1.5");
  EXPECT_EQ(OneFilter("name", "eq.a(b),c").value, "a(b),c");
  EXPECT_EQ(OneFilter("name", "eq.\"quoted\"").value, "\"quoted\"");
  EXPECT_EQ(OneFilter("name", "eq.").value, "");
  EXPECT_EQ(OneFilter("at", "gt.2024-01-01T10:00:00+00:00").value, "2024-01-01T10:00:00+00:00");
}

TEST(QueryParserFilter, LikeStarsBecomePercent) {
  EXPECT_EQ(OneFilter("name", "like.%Lu%").value, "%Lu%");
  EXPECT_EQ(OneFilter("name", "ilike.*lu*").value, "%lu%");
  EXPECT_EQ(OneFilter("name", "match.a*").value, "a*");  // regexes keep their stars
}

TEST(QueryParserFilter, QuantifiedOperators) {
  // likeAllOf / likeAnyOf / ilikeAnyOf.
  const Filter all = OneFilter("name", "like(all).{%a%,b*}");
  EXPECT_EQ(all.op, FilterOp::kLike);
  EXPECT_EQ(all.quantifier, Quantifier::kAll);
  EXPECT_EQ(all.value, "{%a%,b%}");
  EXPECT_EQ(OneFilter("name", "ilike(any).{a*}").quantifier, Quantifier::kAny);
  EXPECT_EQ(OneFilter("id", "eq(any).{1,2}").quantifier, Quantifier::kAny);
  EXPECT_EQ(OneFilter("id", "eq.1").quantifier, Quantifier::kNone);
}

TEST(QueryParserFilter, IsTakesNullTrueFalseUnknownInAnyCase) {
  const std::pair<const char*, IsValue> cases[] = {
      {"is.null", IsValue::kNull},       {"is.true", IsValue::kTrue},
      {"is.false", IsValue::kFalse},     {"is.unknown", IsValue::kUnknown},
      {"is.NULL", IsValue::kNull},       {"is.not_null", IsValue::kNotNull},
      {"not.is.null", IsValue::kNull}};
  for (const auto& [value, expected] : cases) {
    const Filter filter = OneFilter("name", value);
    EXPECT_EQ(filter.op, FilterOp::kIs) << value;
    EXPECT_EQ(filter.is_value, expected) << value;
  }
  EXPECT_TRUE(OneFilter("name", "not.is.null").negated);
  for (const char* bad : {"is.maybe", "is.nullx", "is.", "is.1", "is null"}) {
    EXPECT_EQ(ReasonOf({{"name", bad}}), "PGRST100") << bad;
  }
}

TEST(QueryParserFilter, InListsUnquoteReservedCharacters) {
  // `.in('name', ['Leia', 'a,b', 'c(d)'])` quotes values holding `,()`.
  const Filter filter = OneFilter("name", R"x(in.(Leia,"a,b","c(d)",Han))x");
  EXPECT_EQ(filter.op, FilterOp::kIn);
  EXPECT_EQ(filter.values, (std::vector<std::string>{"Leia", "a,b", "c(d)", "Han"}));
  EXPECT_EQ(OneFilter("name", R"(in.("say \"hi\"","back\\slash"))").values,
            (std::vector<std::string>{"say \"hi\"", "back\\slash"}));
  EXPECT_EQ(OneFilter("id", "in.(1,2,3)").values, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(OneFilter("id", "in.( 1,2 )").values, (std::vector<std::string>{"1", "2 "}));
  EXPECT_TRUE(OneFilter("id", "in.()").values.empty());  // `.in('id', [])`
  EXPECT_EQ(OneFilter("id", "in.(\"\")").values, (std::vector<std::string>{""}));
  EXPECT_EQ(OneFilter("id", "in.(\"a\"b)").values, (std::vector<std::string>{"\"a\"b"}));
}

TEST(QueryParserFilter, NotInAndOtherNegations) {
  // `.notIn('id', [5, 6, 7])`, or `.not('id', 'in', '(5,6,7)')`.
  const Filter not_in = OneFilter("id", "not.in.(5,6,7)");
  EXPECT_TRUE(not_in.negated);
  EXPECT_EQ(not_in.op, FilterOp::kIn);
  EXPECT_EQ(not_in.values.size(), 3u);
  const Filter negated_eq = OneFilter("name", "not.eq.Leia");
  EXPECT_TRUE(negated_eq.negated);
  EXPECT_EQ(negated_eq.value, "Leia");
  EXPECT_TRUE(OneFilter("tags", "not.cs.{\"a\",\"b\"}").negated);
}

TEST(QueryParserFilter, ContainsAndRangeOperators) {
  // `.contains()` with an array, a JSON object, and a raw string (ranges, JSON arrays).
  EXPECT_EQ(OneFilter("tags", "cs.{is:open,priority:low}").value, "{is:open,priority:low}");
  const Filter json = OneFilter("address", R"(cs.{"postcode":90210})");
  EXPECT_EQ(json.op, FilterOp::kCs);
  EXPECT_EQ(json.value, R"({"postcode":90210})");
  EXPECT_EQ(OneFilter("data", R"(cs.["a","b"])").value, R"(["a","b"])");
  EXPECT_EQ(OneFilter("days", "cd.{monday,friday}").op, FilterOp::kCd);
  EXPECT_EQ(OneFilter("tags", "ov.{a,b}").op, FilterOp::kOv);
  const std::pair<const char*, FilterOp> ranges[] = {
      {"sr.[2000-01-02 08:00, 2000-01-02 09:00)", FilterOp::kSr},
      {"nxl.[2000-01-02 08:30, 2000-01-02 09:30)", FilterOp::kNxl},
      {"sl.[1,2)", FilterOp::kSl}, {"nxr.[1,2)", FilterOp::kNxr}, {"adj.[1,2)", FilterOp::kAdj}};
  for (const auto& [value, op] : ranges) {
    const Filter filter = OneFilter("during", value);
    EXPECT_EQ(filter.op, op) << value;
    EXPECT_EQ(filter.value, std::string(value).substr(std::string(value).find('.') + 1));
  }
}

TEST(QueryParserFilter, FullTextSearchWithOptionalConfig) {
  // `.textSearch(col, q, {type, config})` sends `${pl|ph|w}fts${(config)}.${q}`.
  const Filter plain = OneFilter("catchphrase", "plfts(english).'fat' & 'cat'");
  EXPECT_EQ(plain.op, FilterOp::kPlfts);
  EXPECT_EQ(plain.language, "english");
  EXPECT_EQ(plain.value, "'fat' & 'cat'");
  EXPECT_EQ(OneFilter("c", "fts.cat").language, "");
  EXPECT_EQ(OneFilter("c", "phfts(simple).a b").op, FilterOp::kPhfts);
  EXPECT_EQ(OneFilter("c", "wfts(english).'fat or cat'").op, FilterOp::kWfts);
  EXPECT_EQ(OneFilter("c", "not.fts.cat").negated, true);
}

TEST(QueryParserFilter, JsonPathAndEmbeddedColumns) {
  const Filter json = OneFilter("data->>a", "eq.1");
  EXPECT_EQ(json.field.name, "data");
  ASSERT_EQ(json.field.json_path.size(), 1u);
  EXPECT_TRUE(json.field.json_path[0].as_text);
  EXPECT_EQ(json.field.json_path[0].key, "a");
  EXPECT_EQ(OneFilter("data->a->b", "eq.1").field.json_path.size(), 2u);
  const Filter embedded = OneFilter("instruments.name", "eq.flute");
  EXPECT_EQ(embedded.path, (EmbedPath{"instruments"}));
  EXPECT_EQ(embedded.field.name, "name");
  EXPECT_EQ(OneFilter("a.b.c", "eq.1").path, (EmbedPath{"a", "b"}));
  EXPECT_EQ(OneFilter("a.data->>k", "eq.1").field.json_path[0].key, "k");
}

TEST(QueryParserFilter, QuotedColumnsAreNotReservedWords) {
  // `.gt('"order"', 2)`: a column named order.
  const Filter filter = OneFilter("\"order\"", "gt.2");
  EXPECT_EQ(filter.field.name, "order");
  EXPECT_EQ(OneFilter("\"my col\"", "eq.1").field.name, "my col");
  EXPECT_EQ(OneFilter("my col", "eq.1").field.name, "my col");
}

TEST(QueryParserFilter, MalformedFiltersAreRefused) {
  for (const auto& [key, value] : Params{{"id", "eqq.1"}, {"id", "1"}, {"id", ""},
                                         {"id", "eq"}, {"id", "not.xx.1"}, {"id", "fts().x"},
                                         {"id", "neq(any).1"}, {"id", "eq(some).1"},
                                         {"id", "in.1,2"}, {"id", "in.(1,2"}, {"id", "in.(1)x"},
                                         {"id", "not.not.eq.1"}, {"id", "in(any).(1)"},
                                         {"a..b", "eq.1"}, {"", "eq.1"}, {"a.", "eq.1"},
                                         {"data->", "eq.1"}, {"a b->c.d", "eq.1"}}) {
    auto query = Parse({{key, value}});
    ASSERT_FALSE(query.ok()) << key << "=" << value;
    EXPECT_EQ(query.error().reason, "PGRST100") << key << "=" << value;
  }
}

TEST(QueryParserFilter, ErrorMessagesFollowPostgrest) {
  auto query = Parse({{"id", "eqq.1"}});
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().message, "\"failed to parse filter (eqq.1)\" (line 1, column 1)");
  EXPECT_NE(query.error().detail.find("eqq"), std::string::npos);
  auto key = Parse({{"a..b", "eq.1"}});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().message.rfind("\"failed to parse tree path (a..b)\"", 0), 0u);
}

TEST(QueryParser, FilterOpNamesAreTheUrlWords) {
  EXPECT_STREQ(FilterOpName(FilterOp::kIsDistinct), "isdistinct");
  EXPECT_STREQ(FilterOpName(FilterOp::kIn), "in");
  EXPECT_STREQ(FilterOpName(FilterOp::kIs), "is");
  EXPECT_STREQ(FilterOpName(FilterOp::kPhfts), "phfts");
  EXPECT_STREQ(FilterOpName(FilterOp::kCs), "cs");
}

// ---- and / or -----------------------------------------------------------------------

TEST(QueryParserLogic, OrOfFilters) {
  const Logic logic = OneLogic("or", "(id.eq.2,name.eq.Han)");  // `.or('id.eq.2,name.eq.Han')`
  EXPECT_EQ(logic.op, LogicOp::kOr);
  EXPECT_FALSE(logic.negated);
  EXPECT_TRUE(logic.path.empty());
  ASSERT_EQ(logic.filters.size(), 2u);
  EXPECT_EQ(logic.filters[0].field.name, "id");
  EXPECT_EQ(logic.filters[0].value, "2");
  EXPECT_EQ(logic.filters[1].value, "Han");
}

TEST(QueryParserLogic, NestedAndInsideOr) {
  const Logic logic = OneLogic("or", "(id.gt.3,and(id.eq.1,name.eq.Luke))");
  ASSERT_EQ(logic.filters.size(), 1u);
  ASSERT_EQ(logic.children.size(), 1u);
  EXPECT_EQ(logic.children[0].op, LogicOp::kAnd);
  ASSERT_EQ(logic.children[0].filters.size(), 2u);
  EXPECT_EQ(logic.children[0].filters[1].value, "Luke");
  const Logic negated = OneLogic("and", "(a.eq.1,not.or(b.eq.2,c.eq.3))");
  EXPECT_EQ(negated.op, LogicOp::kAnd);
  ASSERT_EQ(negated.children.size(), 1u);
  EXPECT_TRUE(negated.children[0].negated);
  EXPECT_EQ(negated.children[0].op, LogicOp::kOr);
}

TEST(QueryParserLogic, ValuesInsideTrees) {
  // The postgrest-js docs' own example, with its space after the comma.
  const Logic lists = OneLogic("or", R"((id.in.(5,6,7), arraycol.cs.{"a","b"}))");
  ASSERT_EQ(lists.filters.size(), 2u);
  EXPECT_EQ(lists.filters[0].values, (std::vector<std::string>{"5", "6", "7"}));
  EXPECT_EQ(lists.filters[1].field.name, "arraycol");
  EXPECT_EQ(lists.filters[1].value, R"({"a","b"})");
  const Logic values = OneLogic(
      "or", R"((name.eq."a,b",name.ilike.*x*,name.is.null,name.not.eq.x,data->>k.eq.1,)"
            R"(c.fts(english).cat,d.eq.))");
  ASSERT_EQ(values.filters.size(), 7u);
  EXPECT_EQ(values.filters[0].value, "a,b");
  EXPECT_EQ(values.filters[1].value, "%x%");
  EXPECT_EQ(values.filters[2].op, FilterOp::kIs);
  EXPECT_TRUE(values.filters[3].negated);
  EXPECT_EQ(values.filters[4].field.json_path[0].key, "k");
  EXPECT_EQ(values.filters[5].language, "english");
  EXPECT_EQ(values.filters[6].value, "");
}

TEST(QueryParserLogic, ColumnsNamedAndOrAreFilters) {
  const Logic logic = OneLogic("or", "(and.eq.1,or.eq.2,not.eq.3)");
  ASSERT_EQ(logic.filters.size(), 3u);
  EXPECT_TRUE(logic.children.empty());
  EXPECT_EQ(logic.filters[0].field.name, "and");
  EXPECT_EQ(logic.filters[2].field.name, "not");
}

TEST(QueryParserLogic, ReferencedTableAndNegatedTrees) {
  // `.or('section_id.eq.1,name.eq.guzheng', { referencedTable: 'instruments' })`.
  const Logic embedded = OneLogic("instruments.or", "(section_id.eq.1,name.eq.guzheng)");
  EXPECT_EQ(embedded.path, (EmbedPath{"instruments"}));
  EXPECT_EQ(embedded.filters[0].path, (EmbedPath{"instruments"}));
  const Logic negated = OneLogic("not.or", "(a.eq.1,b.eq.2)");
  EXPECT_TRUE(negated.negated);
  EXPECT_EQ(negated.op, LogicOp::kOr);
  EXPECT_TRUE(negated.path.empty());
  const Logic both = OneLogic("items.not.and", "(a.eq.1)");
  EXPECT_TRUE(both.negated);
  EXPECT_EQ(both.op, LogicOp::kAnd);
  EXPECT_EQ(both.path, (EmbedPath{"items"}));
}

TEST(QueryParserLogic, MalformedTreesAreRefused) {
  std::string deep = "a.eq.1";
  for (int i = 0; i < 16; ++i) deep = "or(" + deep + ")";
  for (const auto& [key, value] :
       Params{{"or", "()"}, {"or", "(id.eq.1"}, {"or", "id.eq.1"}, {"or", "(a.eq.1))"},
              {"or", "(a.eq.1,xor(b.eq.2))"}, {"or", "(id.in.1,2)"}, {"or", "(a.eqq.1)"},
              {"or", "(a)"}, {"or", ""}, {"or", "(" + deep + ")"}, {"a..or", "(a.eq.1)"},
              {"or", std::string(100000, '(')}}) {
    auto query = Parse({{key, value}});
    ASSERT_FALSE(query.ok()) << key << "=" << value.substr(0, 80);
    EXPECT_EQ(query.error().reason, "PGRST100");
  }
  std::string ok = "a.eq.1";
  for (int i = 0; i < 15; ++i) ok = "or(" + ok + ")";
  EXPECT_EQ(ReasonOf({{"or", "(" + ok + ")"}}), "ok");
}

// ---- order --------------------------------------------------------------------------

TEST(QueryParserOrder, TermsWithDirectionAndNulls) {
  // Two `.order()` calls: `name.desc.nullslast` then `id.asc`, joined by a comma.
  auto query = Parse({{"order", "name.desc.nullslast,id.asc,created_at.asc.nullsfirst,x"}});
  ASSERT_TRUE(query.ok()) << query.error().message;
  const Order* order = query->OrderFor({});
  ASSERT_NE(order, nullptr);
  ASSERT_EQ(order->terms.size(), 4u);
  EXPECT_EQ(order->terms[0].field.name, "name");
  EXPECT_EQ(order->terms[0].direction, OrderDirection::kDesc);
  EXPECT_EQ(order->terms[0].nulls, NullsOrder::kLast);
  EXPECT_EQ(order->terms[1].direction, OrderDirection::kAsc);
  EXPECT_EQ(order->terms[1].nulls, NullsOrder::kDefault);
  EXPECT_EQ(order->terms[2].nulls, NullsOrder::kFirst);
  EXPECT_EQ(order->terms[3].direction, OrderDirection::kDefault);
}

TEST(QueryParserOrder, JsonPathsQuotedNamesAndRelatedColumns) {
  auto query = Parse({{"order", "data->key.desc,\"my col\".asc,client(name).desc"}});
  ASSERT_TRUE(query.ok()) << query.error().message;
  const auto& terms = query->orders.at(0).terms;
  ASSERT_EQ(terms.size(), 3u);
  EXPECT_EQ(terms[0].field.json_path.at(0).key, "key");
  EXPECT_EQ(terms[0].direction, OrderDirection::kDesc);
  EXPECT_EQ(terms[1].field.name, "my col");
  EXPECT_EQ(terms[2].relation, "client");
  EXPECT_EQ(terms[2].field.name, "name");
  EXPECT_EQ(terms[2].direction, OrderDirection::kDesc);
}

TEST(QueryParserOrder, ReferencedTableOrderAndRepeats) {
  auto query = Parse({{"instruments.order", "name.asc"}, {"order", "id.desc"}, {"order", "x"}});
  ASSERT_TRUE(query.ok()) << query.error().message;
  const Order* embedded = query->OrderFor({"instruments"});
  ASSERT_NE(embedded, nullptr);
  EXPECT_EQ(embedded->terms.at(0).field.name, "name");
  const Order* top = query->OrderFor({});
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->terms.size(), 2u);  // repeated order parameters add up
  EXPECT_EQ(query->OrderFor({"other"}), nullptr);
}

TEST(QueryParserOrder, MalformedOrdersAreRefused) {
  for (const char* bad : {"id.ac", "id.descc", "id.asc.nlsfst", "id.nullslasttt", "", "id,",
                          "client(name,id)", "id.asc.desc", "a b c.d"}) {
    auto query = Parse({{"order", bad}});
    ASSERT_FALSE(query.ok()) << bad;
    EXPECT_EQ(query.error().reason, "PGRST100") << bad;
    EXPECT_EQ(query.error().message.rfind("\"failed to parse order (", 0), 0u) << bad;
  }
}

// ---- limit, offset, Range -----------------------------------------------------------

TEST(QueryParserPage, LimitAndRangeCalls) {
  auto limited = Parse({{"limit", "10"}});  // `.limit(10)`
  ASSERT_TRUE(limited.ok());
  const Page* page = limited->PageFor({});
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->limit, 10);
  EXPECT_EQ(page->offset, 0);
  auto ranged = Parse({{"offset", "1"}, {"limit", "3"}});  // `.range(1, 3)`
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(ranged->PageFor({})->offset, 1);
  EXPECT_EQ(ranged->PageFor({})->limit, 3);
  auto none = Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->PageFor({}), nullptr);
}

TEST(QueryParserPage, ReferencedTableLimits) {
  // `.limit(2, { referencedTable: 'items' })`, `.range(0, 4, { referencedTable: 'items' })`.
  auto query = Parse({{"items.limit", "2"}, {"a.b.offset", "0"}, {"a.b.limit", "5"}});
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->PageFor({"items"})->limit, 2);
  EXPECT_EQ(query->PageFor({"a", "b"})->limit, 5);
  EXPECT_EQ(query->PageFor({}), nullptr);
}

TEST(QueryParserPage, RangeHeaderAndItsIntersectionWithParams) {
  auto closed = Parse({}, "0-9");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->PageFor({})->limit, 10);
  auto open = Parse({}, "10-");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->PageFor({})->offset, 10);
  EXPECT_FALSE(open->PageFor({})->limit.has_value());
  auto inside = Parse({{"limit", "5"}, {"offset", "2"}}, "0-9");
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(inside->PageFor({})->offset, 2);
  EXPECT_EQ(inside->PageFor({})->limit, 5);
  auto clipped = Parse({{"limit", "50"}}, "5-9");
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(clipped->PageFor({})->offset, 5);
  EXPECT_EQ(clipped->PageFor({})->limit, 5);
  auto disjoint = Parse({{"limit", "5"}}, "20-30");
  ASSERT_TRUE(disjoint.ok());
  EXPECT_EQ(disjoint->PageFor({})->limit, 0);
  auto huge = Parse({{"limit", "9223372036854775807"}, {"offset", "9"}}, "0-");
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->PageFor({})->offset, 9);
}

TEST(QueryParserPage, BadLimitsAndRangesAreRefused) {
  auto word = Parse({{"limit", "abc"}});
  ASSERT_FALSE(word.ok());
  EXPECT_EQ(word.error().reason, "PGRST100");
  EXPECT_EQ(word.error().message, "\"abc\" is not a valid limit");
  EXPECT_EQ(ReasonOf({{"offset", "1.5"}}), "PGRST100");
  EXPECT_EQ(ReasonOf({{"limit", ""}}), "PGRST100");
  EXPECT_EQ(ReasonOf({{"limit", "99999999999999999999"}}), "PGRST100");
  auto negative = Parse({{"limit", "-1"}});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().reason, "PGRST103");
  EXPECT_EQ(negative.error().message, "Requested range not satisfiable");
  EXPECT_EQ(negative.error().detail, "Limit should be greater than or equal to zero.");
  EXPECT_EQ(ReasonOf({{"items.offset", "-3"}}), "PGRST103");
  auto header = Parse({}, "foo");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message, "\"foo\" is not a valid range");
  for (const char* bad : {"-5", "5", "a-b", "1-2-3", "items=0-9", "1-x"}) {
    EXPECT_EQ(ReasonOf({}, bad), "PGRST100") << bad;
  }
  auto reversed = Parse({}, "9-0");
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.error().reason, "PGRST103");
}

// ---- columns, on_conflict -----------------------------------------------------------

TEST(QueryParserColumns, InsertColumnsAndOnConflict) {
  // `.insert([...])` sends every key quoted; `.upsert(rows, { onConflict: 'a,b' })`.
  auto query = Parse({{"columns", R"("id","name","my col")"}, {"on_conflict", "a, b"}});
  ASSERT_TRUE(query.ok()) << query.error().message;
  ASSERT_TRUE(query->columns.has_value());
  EXPECT_EQ(*query->columns, (std::vector<std::string>{"id", "name", "my col"}));
  ASSERT_TRUE(query->on_conflict.has_value());
  EXPECT_EQ(*query->on_conflict, (std::vector<std::string>{"a", "b"}));
  auto none = Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->columns.has_value());
  EXPECT_FALSE(none->on_conflict.has_value());
}

TEST(QueryParserColumns, MalformedListsAreRefused) {
  for (const char* bad : {"", "a,,b", "a;b", "a,", "\"open"}) {
    EXPECT_EQ(ReasonOf({{"columns", bad}}), "PGRST100") << bad;
    EXPECT_EQ(ReasonOf({{"on_conflict", bad}}), "PGRST100") << bad;
  }
  auto query = Parse({{"on_conflict", "a;b"}});
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().message.rfind("\"failed to parse on_conflict parameter (a;b)\"", 0), 0u);
}

// ---- A whole request ----------------------------------------------------------------

TEST(QueryParser, WholeSupabaseJsRequest) {
  // supabase.from('orchestral_sections').select('name, instruments!inner(name)')
  //   .eq('instruments.name', 'flute').order('name', { ascending: false })
  //   .range(0, 9).or('id.eq.1,name.eq.strings')
  auto query = Parse({{"select", "name,instruments!inner(name)"},
                      {"instruments.name", "eq.flute"},
                      {"order", "name.desc"},
                      {"offset", "0"},
                      {"limit", "10"},
                      {"or", "(id.eq.1,name.eq.strings)"}});
  ASSERT_TRUE(query.ok()) << query.error().message;
  EXPECT_EQ(query->select.size(), 2u);
  EXPECT_EQ(query->filters.size(), 1u);
  EXPECT_EQ(query->logics.size(), 1u);
  EXPECT_EQ(query->orders.size(), 1u);
  EXPECT_EQ(query->PageFor({})->limit, 10);
}

TEST(QueryParser, ArbitraryInputNeverCrashes) {
  // Random strings over the grammar's own characters, through every parser.
  const std::string alphabet = "abc.,()!:*\"\\->{}[] 0123456789eqinotrsl_%$";
  std::mt19937 random(12345);
  for (int round = 0; round < 4000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 40);
    for (int i = 0; i < length; ++i) text.push_back(alphabet[random() % alphabet.size()]);
    for (const char* key : {"select", "order", "or", "not.and", "columns", "limit", "id", "a.b"}) {
      (void)Parse({{key, text}}, round % 7 == 0 ? text : "");
      (void)Parse({{text, "eq.1"}});
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace tb::rest
