package dev.ren.spring.boot.starter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A setting that cannot work stops the application with Boot's failure report: what is wrong and what to do. */
@ExtendWith(OutputCaptureExtension.class)
class StarterFailureReportTest {

  @Test
  void bindingWithoutItsModule_reportNamesTheArtifact(CapturedOutput output) {
    // this application has ren-kv but not ren-servlet-kv
    assertThatThrownBy(() -> SpringApplication.run(StarterApp.class, "--server.port=0", "--ren.bindings=kv"))
        .hasRootCauseMessage("ren.bindings names kv, but dev.ren.servlet.kv.KvServlet is not on the classpath. "
            + "Add the dependency dev.ren:ren-servlet-kv");
    assertThat(output).contains("APPLICATION FAILED TO START")
        .contains("ren.bindings names kv, but dev.ren.servlet.kv.KvServlet is not on the classpath")
        .contains("Action:").contains("Add the dependency dev.ren:ren-servlet-kv");
  }
}
