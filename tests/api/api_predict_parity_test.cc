// Issue 3's acceptance over the real server: a generated shapes set trains through the API to
// >= 0.95 validation accuracy, and the API's predictions equal those of `trainbox predict` on the
// downloaded bundle for every test image. (The bundle against Python and a separate C++ program
// is checked in src/ml/image/image_trainer_test.cc.)

#include <cstdio>

#include "bench/sentences.h"
#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

class ApiPredictParityTest : public ApiTest {
 protected:
  void SetUp() override { start_server(); }
};

TEST_F(ApiPredictParityTest, ShapesTrainWellAndApiAgreesWithCliOnTheBundle) {
  auto zip = scratch_.path() / "shapes80.zip";
  ml::testing::write_zip(zip, ml::testing::shape_files(3, 80, 64));
  auto created = create_task(*client_, "shapes80.zip", read_file(zip).value(),
                             {{"options", R"({"seed": 3})"}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 202) << created->body;
  std::string id = nlohmann::json::parse(created->body)["id"];
  auto started = std::chrono::steady_clock::now();
  nlohmann::json done = wait_status(id, "COMPLETED", 300);
  ASSERT_EQ(done["status"], "COMPLETED") << done.dump(2);
  std::printf("shapes through the API: %.1f s, val_accuracy %.3f\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              done["metrics"]["val_accuracy"].get<double>());
  EXPECT_GE(done["metrics"]["val_accuracy"].get<double>(), 0.95);

  auto bundle = scratch_.path() / "bundle.zip";
  ASSERT_TRUE(write_file_atomic(bundle, client_->Get("/api/v1/tasks/" + id + "/model")->body));
  auto test_images = ml::testing::shape_files(3, 4, 64, "", 12345);
  httplib::MultipartFormDataItems files;
  std::string command = trainbox_binary().string() + " predict --json " + bundle.string();
  for (size_t i = 0; i < test_images.size(); ++i) {
    auto path =
        scratch_.path() / ("img" + std::to_string(i) +
                           std::filesystem::path(test_images[i].first).extension().string());
    ASSERT_TRUE(write_file_atomic(path, test_images[i].second));
    files.push_back({"file", test_images[i].second, path.filename().string(), "image/png"});
    command += " " + path.string();
  }
  auto api = client_->Post("/api/v1/tasks/" + id + "/predict?top_k=3", files);
  ASSERT_TRUE(api);
  ASSERT_EQ(api->status, 200) << api->body;
  auto api_predictions = nlohmann::json::parse(api->body)["predictions"];
  auto cli_predictions = nlohmann::json::parse(run_and_capture(command))["predictions"];
  ASSERT_EQ(api_predictions.size(), test_images.size());
  ASSERT_EQ(cli_predictions.size(), test_images.size());
  int correct = 0;
  for (size_t i = 0; i < test_images.size(); ++i) {
    EXPECT_EQ(api_predictions[i]["label"], cli_predictions[i]["label"]) << i;
    EXPECT_NEAR(api_predictions[i]["score"].get<double>(),
                cli_predictions[i]["score"].get<double>(), 1e-4)
        << i;
    std::string truth = test_images[i].first.substr(0, test_images[i].first.find('/'));
    if (api_predictions[i]["label"] == truth) ++correct;
  }
  EXPECT_GE(correct, static_cast<int>(test_images.size()) - 1);
}

TEST_F(ApiPredictParityTest, TextTrainsWellAndApiAgreesWithCliOnTheBundle) {
  auto created = create_task(*client_, "topics.csv", bench::sentences_csv(4, 80));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 202) << created->body;
  std::string id = nlohmann::json::parse(created->body)["id"];
  nlohmann::json done = wait_status(id, "COMPLETED", 120);
  ASSERT_EQ(done["status"], "COMPLETED") << done.dump(2);
  EXPECT_EQ(done["kind"], "text");
  EXPECT_GE(done["metrics"]["val_accuracy"].get<double>(), 0.95);

  auto bundle = scratch_.path() / "text-bundle.zip";
  ASSERT_TRUE(write_file_atomic(bundle, client_->Get("/api/v1/tasks/" + id + "/model")->body));
  std::vector<std::string> texts = {"the striker scored in the league match",
                                    "shares of the bank fell after weak earnings",
                                    "the senate vote on the new law", "bake the garlic sauce"};
  auto api = client_->Post("/api/v1/tasks/" + id + "/predict",
                           nlohmann::json({{"texts", texts}}).dump(), "application/json");
  ASSERT_TRUE(api);
  ASSERT_EQ(api->status, 200) << api->body;
  std::string command = trainbox_binary().string() + " predict --json " + bundle.string();
  for (const auto& text : texts) command += " --text '" + text + "'";
  auto api_predictions = nlohmann::json::parse(api->body)["predictions"];
  auto cli_predictions = nlohmann::json::parse(run_and_capture(command))["predictions"];
  ASSERT_EQ(cli_predictions.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(api_predictions[i]["label"], cli_predictions[i]["label"]) << texts[i];
    EXPECT_EQ(api_predictions[i]["label"], "topic" + std::to_string(i)) << texts[i];
    EXPECT_NEAR(api_predictions[i]["score"].get<double>(),
                cli_predictions[i]["score"].get<double>(), 1e-4);
  }
}

}  // namespace
}  // namespace trainbox::testing
